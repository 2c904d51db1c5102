"""Static files storage of the console: WhiteNoise's compressed, cache-busting manifest storage once
``collectstatic`` has run, the plain names before (WhiteNoise then serves the apps' files directly:
``WHITENOISE_USE_FINDERS``), so a fresh checkout, the tests and a deployment all get working pages."""

from __future__ import annotations

from whitenoise.storage import CompressedManifestStaticFilesStorage


class ConsoleStaticStorage(CompressedManifestStaticFilesStorage):
    manifest_strict = False

    def stored_name(self, name: str) -> str:
        if not self.hashed_files:  # no manifest yet: collectstatic has not run
            return name
        try:
            return str(super().stored_name(name))
        except ValueError:  # a file added since the last collectstatic
            return name
