"""Keeps VMs off the hosts an admin lists (function style, no REST API needed)."""

# Host ids separated by commas; an empty value excludes nothing.
properties_validation = 'excluded_hosts=[-0-9A-Za-z_., ]*'


def filterFunction(hosts, vm, args):
    """Rejects the hosts named in excluded_hosts.

    Property excluded_hosts: host ids separated by commas, for example
    "3f8a...,91c0...". Empty or unset: every host is accepted.
    """
    excluded = set(part.strip() for part in args.get('excluded_hosts', '').split(','))
    # Function-style plugins return their result instead of printing it.
    return [host for host in hosts if host not in excluded]
