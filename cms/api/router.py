"""The API's endpoints, registered with Wagtail's router so responses can link to each other."""

from wagtail.api.v2.filters import OrderingFilter
from wagtail.api.v2.router import WagtailAPIRouter
from wagtail.images.api.v2.views import ImagesAPIViewSet

from .conditional import ConditionalResponseMixin
from .exceptions import HandledByTheAPI
from .filters import CheckedFieldsFilter, CheckedSearchFilter
from .pages import NewsroomPagesAPIViewSet
from .parameters import CheckedFindMixin, CheckedPagination, IntegerParametersFilter
from .preview import PagePreviewAPIViewSet
from .videos import VideosAPIViewSet


class NewsroomImagesAPIViewSet(
    HandledByTheAPI, ConditionalResponseMixin, CheckedFindMixin, ImagesAPIViewSet
):
    pagination_class = CheckedPagination
    filter_backends = [
        IntegerParametersFilter,
        CheckedFieldsFilter,
        OrderingFilter,
        CheckedSearchFilter,  # last, as in Wagtail's own list
    ]


api_router = WagtailAPIRouter("wagtailapi")
api_router.register_endpoint("pages", NewsroomPagesAPIViewSet)
api_router.register_endpoint("images", NewsroomImagesAPIViewSet)
api_router.register_endpoint("videos", VideosAPIViewSet)
api_router.register_endpoint("preview", PagePreviewAPIViewSet)
