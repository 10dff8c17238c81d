"""A local Avi Controller emulator for tests and the dev stack.

Run it with ``python -m tools.avi_emulator --port 9443 --username admin --password secret``
or embed it with ``Emulator(EmulatorConfig(...)).start()``.
"""

from .server import Emulator, EmulatorConfig

__all__ = ["Emulator", "EmulatorConfig"]
