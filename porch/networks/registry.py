"""The installed networks: name -> descriptor, from settings.NETWORKS.

Adding a network is adding its folder (exporting NETWORK) and one line in settings.
"""

from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

from porch.networks.base import NetworkClient, NetworkDescriptor


@cache
def _installed(packages: tuple[str, ...]) -> dict[str, NetworkDescriptor]:
    found: dict[str, NetworkDescriptor] = {}
    for package in packages:
        network = import_string(f"{package}.NETWORK")
        if not isinstance(network, NetworkDescriptor):
            raise TypeError(f"{package}.NETWORK is not a NetworkDescriptor")
        found[network.name] = network
    return found


def descriptors() -> list[NetworkDescriptor]:
    """Every installed network, in settings' order."""
    return list(_installed(tuple(settings.NETWORKS)).values())


def descriptor(network: str) -> NetworkDescriptor:
    installed = _installed(tuple(settings.NETWORKS))
    try:
        return installed[network]
    except KeyError:
        names = ", ".join(installed)
        raise ValueError(f"unknown network {network!r}: use one of {names}") from None


def client_class(network: str) -> type[NetworkClient]:
    found: type[NetworkClient] = import_string(descriptor(network).client)
    return found


def choices() -> list[tuple[str, str]]:
    """(name, label) of every installed network, for forms and filters."""
    return [(network.name, network.label) for network in descriptors()]
