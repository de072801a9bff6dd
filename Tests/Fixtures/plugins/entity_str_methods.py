# Hosts whose XML has elements named like str methods (<lower>, <split>, <count>) or like
# the methods copy looks up on an object (<__deepcopy__>).
import copy


def filterFunction(hosts, vm, args):
    """Keeps the hosts whose id, used as a str after the XML is read, starts with h-."""
    kept = []
    for host in hosts:
        getattr(host, 'name', None)  # reads an attribute: the XML becomes attributes
        if host.lower().startswith('h-') and host.split('-')[0] == 'h' and host.count('-') == 1:
            kept.append(host)
    return kept


def scoreFunction(hosts, vm, args):
    """Scores each host with its <count> and <lower> elements, read through their getters
    on a deep copy of the host."""
    scores = []
    for host in hosts:
        count = host.get_count()  # reads an attribute: the XML becomes attributes
        copied = copy.deepcopy(host)
        scores.append((host, count * 10 + len(copied.get_lower()) + len(vars(copied)['split'])))
    return scores
