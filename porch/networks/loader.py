"""Finding each installed network's templates in its own folder.

A network's package is not a Django app, so its `templates/` folder (for example the
connect page's card, `networks/<name>/card.html`) is found by this loader, which looks
in the folders of the packages settings.NETWORKS lists.
"""

from importlib.util import find_spec
from pathlib import Path

from django.conf import settings
from django.template.loaders.filesystem import Loader as FilesystemLoader


def template_dirs() -> list[Path]:
    """The `templates/` folder of every installed network that has one."""
    found = []
    for package in settings.NETWORKS:
        spec = find_spec(package)
        for folder in (spec.submodule_search_locations or []) if spec else []:
            if (Path(folder) / "templates").is_dir():
                found.append(Path(folder) / "templates")
    return found


class Loader(FilesystemLoader):
    def get_dirs(self) -> list[Path]:  # type: ignore[override]
        return template_dirs()
