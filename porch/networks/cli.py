"""`porch stream`: read a network's whole public stream (its firehose) in the foreground,
or say how its reading goes."""

import threading

import click

from porch.core.cli import OneLineError, with_django


@click.command()
@click.option("--network", "name", default=None, help="Only this network's stream.")
@click.option("--status", is_flag=True, help="Say how the reading goes, and stop.")
@with_django
def stream(name: str | None, status: bool) -> None:
    """Read every public post of the networks with a firehose, live, until Ctrl+C.

    One worker of the install reads (it holds a lease); this one stands by while another
    does, and takes over within seconds when that one stops. `porch serve` and `porch
    worker` read it too when PORCH_FIREHOSE is on.

    Example: porch stream --status
    """
    from django.utils import timezone

    from porch.networks.firehose import firehose_networks
    from porch.networks.health import stream_figures

    networks = [n.name for n in firehose_networks() if name in (None, n.name)]
    if not networks:
        offered = ", ".join(n.name for n in firehose_networks()) or "none is installed"
        raise OneLineError(f"no firehose to read for {name or 'any network'} ({offered})")
    if status:
        for figures in stream_figures(timezone.now()):
            if figures.network in networks:
                click.echo("\n".join(figures.lines()))
        return
    _read(networks)


def _read(networks: list[str]) -> None:
    """Consume each network's firehose in a thread until Ctrl+C."""
    from django.db import connection

    from porch.core.worker import new_worker_id
    from porch.networks.firehose import consume

    stop, holder = threading.Event(), new_worker_id()

    def run(network: str) -> None:
        def standing_by(other: str) -> None:
            click.echo(f"{network}: standing by; {other or 'another worker'} reads it")

        try:
            click.echo(f"{network}: {holder} reads it when it holds the lease (Ctrl+C to stop)")
            consume(network, stop, holder, standing_by)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,), daemon=True) for n in networks]
    for thread in threads:
        thread.start()
    try:
        while any(thread.is_alive() for thread in threads):
            stop.wait(0.5)
    except KeyboardInterrupt:
        click.echo("stopping…")
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=10)


commands: list[click.Command] = [stream]
