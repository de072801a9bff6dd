"""Imports from the plugin folder: standard-library names kept for the standard
library, and modules forgotten when the folder's files change."""
import importlib
import importlib.machinery
import os
import sys


class _StandardLibraryFirst:
    """Finds a standard-library module anywhere on sys.path but in a plugin folder.

    The plugin folder comes first on sys.path, so that a plugin's helper wins over an
    installed package of the same name; without this finder a json.py in it would also
    become the json of every plugin. One per interpreter, for every plugin folder."""

    folders = set()

    @classmethod
    def find_spec(cls, name, path=None, target=None):
        if path is not None or name not in sys.stdlib_module_names:
            return None  # a submodule is found through its package, or not a standard name
        folders = [entry for entry in sys.path if isinstance(entry, str) and os.path.abspath(entry) in cls.folders]
        if not folders or importlib.machinery.PathFinder.find_spec(name, folders) is None:
            return None
        elsewhere = [entry for entry in sys.path if entry not in folders]
        spec = importlib.machinery.PathFinder.find_spec(name, elsewhere, target)
        if spec is None:
            raise ModuleNotFoundError(
                'No module named %r (the one in the plugin folder is not used: its name is a '
                'standard-library module\'s)' % name, name=name)
        return spec

    @staticmethod
    def invalidate_caches():
        pass


def _guard_standard_library(folder):
    # Compiled copies written into the plugin folder carry the source's time in whole
    # seconds: an edit of the same size within that second would import the old code.
    sys.dont_write_bytecode = True
    finder = next((finder for finder in sys.meta_path
                   if getattr(finder, '__qualname__', None) == '_StandardLibraryFirst'), None)
    if finder is None:
        finder = _StandardLibraryFirst
        # After the built-in and frozen importers (their modules cannot be shadowed),
        # before the one that searches sys.path.
        position = next((index for index, other in enumerate(sys.meta_path)
                         if other is importlib.machinery.PathFinder), len(sys.meta_path))
        sys.meta_path.insert(position, finder)
    finder.folders.add(os.path.abspath(folder))


def forget_folder_modules(folder, changed, everything):
    """Called when files of the plugin folder changed (their module names in `changed`).

    When one of them was imported as a module (a helper, or a plugin that another
    imports), or when `everything` is asked for, forgets every module imported from
    the folder, so that the next import reads the files again, and answers True: every
    plugin must be loaded again, since any of them may hold an old module. A package
    with compiled parts (a library installed into the folder) is kept: an extension
    module cannot be loaded twice in one process, nor mixed with new Python parts."""
    importlib.invalidate_caches()  # a file added within the folder's timestamp resolution
    prefix = os.path.join(os.path.abspath(folder), '')
    imported = []
    compiled = set()
    for name, module in list(sys.modules.items()):
        try:
            file = getattr(module, '__file__', None)
        except Exception:
            continue
        if isinstance(file, str) and os.path.abspath(file).startswith(prefix):
            imported.append(name)
            if not file.endswith('.py'):
                compiled.add(name.partition('.')[0])
    if not everything and not any(name.partition('.')[0] in changed for name in imported):
        return False
    for name in imported:
        if name.partition('.')[0] not in compiled:
            sys.modules.pop(name, None)
    return True

