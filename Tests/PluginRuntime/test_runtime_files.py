"""The runtime's files as the Swift side runs them: every one listed, each name a file
reads defined by it or by a file before it (the runtime runs in one namespace, so ruff's
undefined-name check is off for these files and this test stands in for it)."""
import builtins
import re
import symtable

from runtime_child import ROOT, RUNTIME, runtime_files

# Set by the Swift side once the files have run (PythonEntities.swift).
FROM_SWIFT = {'_expanded', '_attribute'}


def global_reads(table):
    """Names the code of this table and of the scopes inside it read from the module namespace."""
    if table.get_type() == 'module':
        names = {symbol.get_name() for symbol in table.get_symbols() if symbol.is_referenced()}
    else:
        names = {symbol.get_name() for symbol in table.get_symbols()
                 if symbol.is_referenced() and symbol.is_global()}
    for child in table.get_children():
        names |= global_reads(child)
    return names


def module_definitions(table):
    return {symbol.get_name() for symbol in table.get_symbols() if symbol.is_assigned() or symbol.is_imported()}


def test_every_runtime_file_is_run_and_embedded():
    files = runtime_files()
    package = (ROOT / 'Package.swift').read_text(encoding='utf-8')
    embedded = re.findall(r'\.embedInCode\("PluginRuntime/([a-z_]+\.py)"\)', package)
    on_disk = sorted(path.name for path in RUNTIME.glob('*.py'))
    assert sorted(files) == on_disk
    assert sorted(embedded) == on_disk


def test_each_name_a_file_reads_is_defined_before_it_runs():
    defined = set(dir(builtins)) | FROM_SWIFT
    undefined = {}
    for name in runtime_files():
        path = RUNTIME / name
        table = symtable.symtable(path.read_text(encoding='utf-8'), str(path), 'exec')
        mine = module_definitions(table)
        missing = global_reads(table) - mine - defined
        if missing:
            undefined[name] = sorted(missing)
        defined |= mine
    assert undefined == {}
