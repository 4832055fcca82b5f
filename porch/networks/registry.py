"""The installed networks: name -> descriptor, from settings.NETWORKS.

Adding a network is adding its folder (exporting NETWORK) and one line in settings.
"""

from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

from porch.networks.base import AccountRef, NetworkClient, NetworkDescriptor


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


def choices(offered: bool = False) -> list[tuple[str, str]]:
    """(name, label) of every installed network, or of those an owner can connect (with a
    connect page: not the fake network), for forms, filters and tables."""
    found = [n for n in descriptors() if n.connect_urls or not offered]
    return [(network.name, network.label) for network in found]


def profile_url(account: AccountRef) -> str:
    """The account's public page on its network; "" where there is none to link to."""
    network = _installed(tuple(settings.NETWORKS)).get(account.network)
    if network is None or not network.profile_url:
        return ""
    found: str = import_string(network.profile_url)(account)
    return found


def post_url(network: str, handle: str, external_id: str) -> str:
    """The page of one of an account's posts; "" where the network has none Porch can make."""
    installed = _installed(tuple(settings.NETWORKS)).get(network)
    if installed is None or not installed.post_url:
        return ""
    found: str = import_string(installed.post_url)(handle, external_id)
    return found
