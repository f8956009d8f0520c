"""The MPD protocol face (`longtail serve`): MPD clients drive the core like any other face."""
