import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_collectstatic_succeeds_with_the_production_storage(settings, tmp_path):
    """The production storage hashes files and follows references inside CSS/JS; a vendored file
    pointing at something missing (a source map) would stop `fengqiao demo` and `serve` at start."""
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    assert (tmp_path / "staticfiles.json").exists()
    assert list(tmp_path.glob("vendor/leaflet-1.9.4/leaflet.*.js"))
