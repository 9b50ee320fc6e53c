"""The operator console: server-rendered pages under ``/console`` (docs/console.md).

``hub.console.routes.build(hub)`` is one of the API's routers (hub/routes ROUTERS).
Every action calls the service functions the API's routes call (hub/ops.py,
hub/reconcile.py), with the signed-in key's name as the actor.
"""
