"""Views that need a signed-in caller still answer an unknown method with a 405."""

from typing import Any

from rest_framework.exceptions import MethodNotAllowed
from rest_framework.request import Request


class MethodCheckedFirst:
    """For DRF views with authentication or permission checks: DRF runs them before it
    looks the method up, so an anonymous `TRACE` got a 401 where every caller should learn
    that the method does not exist (405, with `Allow`)."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        method = request.method.lower() if request.method else ""
        if method not in self.http_method_names or not hasattr(self, method):  # type: ignore[attr-defined]
            raise MethodNotAllowed(request.method or "")
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
