"""Plausible names in many languages and scripts, deterministic from a seed.

The real catalogue is global: accents, Cyrillic, Greek, CJK, Hangul, Arabic and
Hebrew (right to left), Devanagari, Thai, emoji, empty names after takedowns.
The demo and every fixture carry all of them so that search folding and the
layout are exercised on what listeners will meet.
"""

from __future__ import annotations

import random

ENGLISH_WORDS = (
    "love night around world dream river light heart fire rain city summer shadow gold "
    "midnight blue ocean star moon sun home road wild silver echo velvet neon glass "
    "broken lost forever young electric paper crystal thunder desert winter falling "
    "rising secret golden hollow open quiet storm garden mirror window tide harbor "
    "signal orbit stranger lonely sweet dancing running waiting burning"
).split()
ENGLISH_GLUE = ("the", "of", "in", "and", "my", "your", "on", "to", "for", "a")

SYLLABLES: dict[str, tuple[list[str], dict[str, str]] | list[str]] = {
    # style: (syllables, diacritic substitutions applied at random)
    "latin": ("ka lo mi ren dor wen sha tal bri cor fen gal har jun kel lan mor nev "
              "pa ros sel tor val zin ar el is on ul".split(), {}),
    "romance": ("ma ri an to lu ci sol vi da mo re na pe dro bel la cio san ta ga".split(),
                {"e": "é", "a": "á", "o": "ó", "n": "ñ", "c": "ç", "u": "ú", "i": "í"}),
    "nordic": ("sig ur ros bjor kar hall dor sve inn gud run thor ey fjall ask ulf".split(),
               {"o": "ó", "a": "á", "d": "ð", "th": "þ", "e": "æ", "u": "ú", "i": "í"}),
    "german": ("stra sse mau er kla ng rüh hof wald schn ee brü cke dun kel".split(),
               {"u": "ü", "o": "ö", "a": "ä", "ss": "ß"}),
    "slavic_latin": ("prze mys ław zo fia cze sław dvo řák brno ška ży cie gr".split(),
                     {"l": "ł", "z": "ż", "c": "č", "r": "ř", "e": "ě", "s": "ş"}),
    "vietnamese": ("nguy en tr an ph ạm th ủy ho àng lê minh tu ấn".split(),
                   {"u": "ư", "o": "ơ", "a": "ạ", "e": "ễ"}),
    "cyrillic": "ка ли на мо ро за ве тер сол не чь ма ша ки ев бе лый".split(),
    "greek": "κα λη με ρα σο φι α νο στι μος θα λασ σα ελ πι δα".split(),
    "kana": "サ ク ラ ノ ユ メ ハ ナ ビ ト キ ミ ヨ ル カ ゼ".split(),
    "hanzi": "月 光 夜 雨 心 海 风 花 梦 天 星 爱 春 秋 山 水".split(),
    "arabic": "حب ليل قمر نور بحر سلام قلب ورد".split(),
    "hebrew": "אור ים לב שיר חלום לילה שמש אהבה".split(),
    "devanagari": "प्रेम रात चाँद दिल गीत सपना बारिश".split(),
    "thai": "รัก ดาว ฝน ใจ ทะเล ฟ้า เพลง".split(),
}
STYLE_WEIGHTS = {
    "english": 38, "latin": 10, "romance": 9, "nordic": 4, "german": 4, "slavic_latin": 3,
    "vietnamese": 2, "cyrillic": 5, "greek": 2, "kana": 5, "hanzi": 5, "hangul": 4,
    "arabic": 3, "hebrew": 2, "devanagari": 2, "thai": 2,
}
SEPARATED = {"kana": "", "hanzi": "", "hangul": " "}
EMOJI = "🌙 ✨ 🔥 🌊 💜 🎧 🌸 ⭐".split()
GENRES = (
    "opera choral chamber classical baroque jazz bebop soul funk disco house techno "
    "ambient drone folk indie-folk k-pop j-pop city-pop mpb samba bossa-nova tango "
    "flamenco fado rebetiko afrobeat highlife dancehall reggae dub grime drill trap "
    "lo-fi shoegaze post-rock black-metal doom-metal hardcore punk emo hyperpop "
    "gamelan qawwali ghazal bhangra carnatic luk-thung cumbia norteno polka schlager "
    "chanson cantautori icelandic-indie nordic-folk audiobook spoken-word"
).split()
LABELS = ("Harbor Lights Records", "Sølvtone", "Nebula Sound", "独立音楽", "Северный Ветер",
          "Casa Lúcida", "Quiet Tide", "Kaleidoscope Audio", "Δέλτα Μουσική", "Self-released")


class NameMaker:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.styles = list(STYLE_WEIGHTS)
        self.weights = [STYLE_WEIGHTS[s] for s in self.styles]
        self._pools: dict[str, list[str]] = {s: self._pool(s, 400) for s in self.styles}

    def style(self) -> str:
        return self.rng.choices(self.styles, self.weights)[0]

    def _word(self, style: str) -> str:
        rng = self.rng
        if style == "english":
            return rng.choice(ENGLISH_WORDS)
        if style == "hangul":
            return "".join(chr(0xAC00 + (rng.randrange(19) * 21 + rng.randrange(21)) * 28
                               + rng.choice((0, 0, 4, 8, 16, 21)))
                           for _ in range(rng.randint(1, 3)))
        entry = SYLLABLES[style]
        syllables, marks = entry if isinstance(entry, tuple) else (entry, {})
        whole_words = style in ("arabic", "hebrew", "devanagari", "thai")
        count = 1 if whole_words else rng.randint(1, 3)
        word = "".join(rng.choice(syllables) for _ in range(count))
        for plain, marked in marks.items():
            if plain in word and rng.random() < 0.35:
                word = word.replace(plain, marked, 1)
        if style in ("latin", "romance", "nordic", "german", "slavic_latin", "vietnamese",
                     "cyrillic", "greek"):
            word = word[:1].upper() + word[1:]
        return word

    def _pool(self, style: str, n: int) -> list[str]:
        return list(dict.fromkeys(self._word(style) for _ in range(n)))

    def word(self, style: str) -> str:
        return self.rng.choice(self._pools[style])

    def phrase(self, style: str, lo: int = 1, hi: int = 3) -> str:
        rng = self.rng
        n = rng.randint(lo, hi)
        if style == "english":
            words = [rng.choice(ENGLISH_WORDS) for _ in range(n)]
            if n >= 2 and rng.random() < 0.4:
                words.insert(1, rng.choice(ENGLISH_GLUE))
            return " ".join(w.capitalize() if i == 0 or w not in ENGLISH_GLUE else w
                            for i, w in enumerate(words))
        sep = SEPARATED.get(style, " ")
        return sep.join(self.word(style) for _ in range(n))

    def artist(self) -> str:
        rng = self.rng
        style = self.style()
        r = rng.random()
        if style == "english":
            if r < 0.35:
                return "The " + self.phrase("english", 1, 2).title()
            if r < 0.7:
                return self.word("latin") + " " + self.word("latin")
        name = self.phrase(style, 1, 2)
        if rng.random() < 0.01:
            name += " " + rng.choice(EMOJI)
        return name

    def title(self, style: str | None = None) -> str:
        rng = self.rng
        style = style or self.style()
        title = self.phrase(style, 1, 4)
        r = rng.random()
        if r < 0.04:
            title += " - Remastered " + str(rng.randint(1995, 2024))
        elif r < 0.07:
            title += " (feat. " + self.artist() + ")"
        elif r < 0.09:
            title += " - Live"
        elif r < 0.095:
            title += " " + rng.choice(EMOJI)
        return title

    def genre(self) -> str:
        return self.rng.choice(GENRES)

    def label(self) -> str:
        return self.rng.choice(LABELS)
