"""TLS for the Kubernetes client: one `ssl.SSLContext` holding the kubeconfig's CA and client key.

The key material never reaches a file under any directory. Python's `ssl` takes a CA as
data (`cadata`), but a client certificate and key only as paths, so they are handed over
through a path that names no file on any disk:

- Linux: an anonymous memory file (`memfd_create`), opened by OpenSSL as `/proc/self/fd/N`;
- elsewhere (macOS, BSD): a temporary file unlinked *before* the key is written into it,
  opened as `/dev/fd/N`, so no name ever leads to the key;

and both are closed as soon as OpenSSL has read them; from then on the key lives only in the
context's memory. The alternative, writing a file and deleting it after loading, leaves the key
on disk if the process dies in between; the engine stops provider processes with a signal,
and no `finally` or `atexit` runs on SIGKILL. Here nothing is left whatever ends the process
(the kernel frees the memory file, or the unlinked inode, with the process's descriptors).
Where neither exists (Windows), embedded client keys are refused with a message naming the
fix rather than written to disk.
"""

from __future__ import annotations

import base64
import binascii
import os
import ssl
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from typing import Any

import requests
from requests.adapters import HTTPAdapter


class KubeTlsError(ValueError):
    """A kubeconfig TLS field is unusable; the message names the field, never its value."""


def _decoded(entry: dict[str, Any], field: str) -> bytes:
    try:
        return base64.b64decode(entry[field], validate=True)
    except (binascii.Error, TypeError, ValueError) as exc:
        raise KubeTlsError(f"the kubeconfig's {field} is not base64 ({type(exc).__name__})") from exc


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


@contextmanager
def _unnamed_path(data: bytes) -> Iterator[str]:
    """A path OpenSSL can open that reads `data` and is no file in any directory."""
    if hasattr(os, "memfd_create") and os.path.isdir("/proc/self/fd"):
        fd = os.memfd_create("ako-cleanup-tls", os.MFD_CLOEXEC)
        path = f"/proc/self/fd/{fd}"
    elif os.path.isdir("/dev/fd"):
        fd, name = tempfile.mkstemp(prefix="ako-cleanup-")
        os.unlink(name)  # before the key is written: at no moment does a name lead to it
        path = f"/dev/fd/{fd}"
    else:
        raise KubeTlsError(
            "this system cannot load client-certificate-data / client-key-data without writing "
            "them to disk; give client-certificate and client-key as file paths instead"
        )
    try:
        _write_all(fd, data)
        os.lseek(fd, 0, os.SEEK_SET)  # /dev/fd/N on macOS shares this descriptor's offset
        yield path
    finally:
        os.close(fd)


def _pem_or_path(stack: ExitStack, entry: dict[str, Any], field: str) -> str | None:
    if entry.get(f"{field}-data"):
        return stack.enter_context(_unnamed_path(_decoded(entry, f"{field}-data")))
    return entry.get(field)


def _load_ca(context: ssl.SSLContext, cluster: dict[str, Any]) -> None:
    try:
        if cluster.get("certificate-authority-data"):
            pem = _decoded(cluster, "certificate-authority-data")
            context.load_verify_locations(cadata=pem.decode("ascii"))
        elif cluster.get("certificate-authority"):
            context.load_verify_locations(cafile=cluster["certificate-authority"])
        else:
            context.load_default_certs()
    except (ssl.SSLError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "reason", None) or type(exc).__name__
        raise KubeTlsError(f"the kubeconfig's certificate-authority is not a PEM certificate ({reason})") from exc
    except OSError as exc:
        raise KubeTlsError(f"the kubeconfig's certificate-authority cannot be read ({exc.strerror})") from exc


def _load_client_pair(context: ssl.SSLContext, user: dict[str, Any]) -> None:
    with ExitStack() as stack:
        cert = _pem_or_path(stack, user, "client-certificate")
        key = _pem_or_path(stack, user, "client-key")
        if not (cert and key):
            return
        try:
            context.load_cert_chain(cert, key)
        except ssl.SSLError as exc:
            raise KubeTlsError(
                "the kubeconfig's client-certificate and client-key are not a PEM certificate "
                f"and its key ({exc.reason or type(exc).__name__})"
            ) from exc
        except OSError as exc:
            raise KubeTlsError(
                f"the kubeconfig's client-certificate or client-key cannot be read ({exc.strerror})"
            ) from exc


def tls_context(cluster: dict[str, Any], user: dict[str, Any]) -> ssl.SSLContext:
    """The context a kubeconfig cluster and user entry describe, with every secret already in memory."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if cluster.get("insecure-skip-tls-verify"):
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    else:
        _load_ca(context, cluster)
    _load_client_pair(context, user)
    return context


class ContextAdapter(HTTPAdapter):
    """A `requests` transport that uses `context` as it is.

    Left alone, requests adds its own CA bundle (or REQUESTS_CA_BUNDLE) to the context and
    would want the client key as file paths; here trust is exactly the kubeconfig's.
    """

    def __init__(self, context: ssl.SSLContext):
        self._context = context  # before super().__init__, which builds the pool manager
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **{**kwargs, "ssl_context": self._context})

    def proxy_manager_for(self, proxy: str, **kwargs: Any) -> Any:
        return super().proxy_manager_for(proxy, **{**kwargs, "ssl_context": self._context})

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: float | tuple[float, float] | tuple[float, None] | None = None,
        verify: bool | str = True,
        cert: bytes | str | tuple[bytes | str, bytes | str] | None = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        # `verify` and `cert` come from the context, whatever the session passes
        return super().send(
            request,
            stream=stream,
            timeout=timeout,
            verify=self._context.verify_mode != ssl.CERT_NONE,
            cert=None,
            proxies=proxies,
        )

    def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
        conn.cert_reqs = "CERT_REQUIRED" if verify else "CERT_NONE"
        conn.ca_certs = conn.ca_cert_dir = None
