"""URL table of the emulated Firehose, in the form moto reads from a ``urls`` module."""

from moto.firehose.urls import url_bases

from emulator.responses import EmulatedFirehoseResponse

__all__ = ["url_bases", "url_paths"]

url_paths = {"{0}/$": EmulatedFirehoseResponse.dispatch}
