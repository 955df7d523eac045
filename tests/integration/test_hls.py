"""The HLS presentation of the rendition ladder: what processing stores, what players and
ffprobe read in it (the renditions' own packets, 2 s segments aligned across the ladder),
who may stream it, where the API and the events point to it, and its replacement."""

import itertools
import json
import posixpath
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import m3u8
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.http import Http404
from django.test import RequestFactory
from wagtail.api.utils import get_full_url

from cms.core.media import serve_public_media
from cms.videos.models import Video, VideoMedia
from cms.videos.processing import create_renditions
from pipeline.media.hls import Variant, package_hls
from pipeline.media.renditions import encode_ladder, ladder_for
from pipeline.models import OutboxEvent
from tests.factories import VideoFactory, VideoMediaFactory
from tests.integration.helpers import video_packets

MASTER = "master.m3u8"
# What each kind of file of a presentation is served as.
CONTENT_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".m4s": "video/iso.segment",
    ".mp4": "video/mp4",
}
# RFC 6381's profile_idc of the H.264 profiles x264 writes, as ffprobe names them.
PROFILE_IDC = {"High": "64", "Main": "4d", "Constrained Baseline": "42"}


def _hls(video: Video, name: str) -> str:
    return f"/videos/{video.pk}/hls/{name}"


def _folder(media: VideoMedia) -> str:
    return media.hls_playlist.name.rpartition("/")[0]


def _presentation(read: Callable[[str], bytes]) -> dict[str, bytes]:
    """Every file a player reaches from the master playlist, by its name relative to the
    master, as `read` gives it."""
    files: dict[str, bytes] = {}
    pending = [MASTER]
    while pending:
        name = pending.pop()
        if name in files:
            continue
        files[name] = read(name)
        if name.endswith(".m3u8"):
            playlist = m3u8.loads(files[name].decode())
            uris = [variant.uri for variant in playlist.playlists]
            uris += [init.uri for init in playlist.segment_map]
            uris += [segment.uri for segment in playlist.segments]
            pending += [posixpath.join(posixpath.dirname(name), uri) for uri in uris]
    return files


def _stored(media: VideoMedia) -> dict[str, bytes]:
    """The presentation of `media` as stored, by name relative to its master playlist."""
    storage, folder = media.hls_playlist.storage, _folder(media)

    def read(name: str) -> bytes:
        with storage.open(f"{folder}/{name}") as stored:
            return stored.read()

    return _presentation(read)


def _stored_under(storage: Storage, folder: str) -> list[str]:
    folders, files = storage.listdir(folder)
    names = [f"{folder}/{name}" for name in files]
    return names + [name for sub in folders for name in _stored_under(storage, f"{folder}/{sub}")]


def _probe(path: Path, entries: str) -> dict:
    output = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", entries, "-of", "json", str(path)],
        capture_output=True, check=True, text=True,
    ).stdout  # fmt: skip
    return json.loads(output)


# --- What processing stores ---------------------------------------------------------------


@pytest.mark.django_db
def test_processing_stores_exactly_the_files_the_playlists_name(video):
    media = video.media
    assert re.fullmatch(rf"videos/hls/{media.pk}-\w+/{MASTER}", media.hls_playlist.name)
    files = _stored(media)
    names = {f"{_folder(media)}/{name}" for name in files}
    # The master, and per rendition its playlist, init segment and one media segment (the
    # sample lasts 2 s).
    assert len(files) == 1 + 3 * media.renditions.count()
    assert sorted(media.hls_files) == sorted(names)
    assert sorted(_stored_under(media.hls_playlist.storage, _folder(media))) == sorted(names)


@pytest.mark.django_db
def test_the_master_playlist_describes_each_rendition_best_first(video):
    media = video.media
    files = _stored(media)
    master = m3u8.loads(files[MASTER].decode())
    renditions = list(media.renditions.order_by("-height"))
    assert master.is_variant
    assert [variant.uri for variant in master.playlists] == [
        f"{rendition.name}/index.m3u8" for rendition in renditions
    ]
    for variant, rendition in zip(master.playlists, renditions, strict=True):
        info = variant.stream_info
        assert info.resolution == (rendition.width, rendition.height)
        streams = _probe(Path(rendition.file.path), "stream=codec_type,profile,level")["streams"]
        [stream] = [s for s in streams if s["codec_type"] == "video"]
        profile, level = PROFILE_IDC[stream["profile"]], stream["level"]
        assert re.fullmatch(rf"avc1\.{profile}[0-9a-f]{{2}}{level:02x},mp4a\.40\.2", info.codecs)
        assert info.bandwidth >= info.average_bandwidth > 0
        # The rendition's packets in other boxes: about the rendition's own bit rate.
        seconds = sum(s.duration for s in m3u8.loads(files[variant.uri].decode()).segments)
        assert info.average_bandwidth == pytest.approx(rendition.bytes * 8 / seconds, rel=0.05)


@pytest.mark.django_db
def test_each_media_playlist_is_a_complete_vod_of_the_whole_video(video):
    media = video.media
    files = _stored(media)
    ends = []
    for rendition in media.renditions.all():
        playlist = m3u8.loads(files[f"{rendition.name}/index.m3u8"].decode())
        assert (playlist.playlist_type, playlist.is_endlist) == ("vod", True)
        [init] = playlist.segment_map
        assert f"{rendition.name}/{init.uri}" in files
        seconds = [segment.duration for segment in playlist.segments]
        assert max(seconds) <= 2.001
        assert sum(seconds) == pytest.approx(media.duration, abs=0.1)
        ends.append(list(itertools.accumulate(seconds)))
    assert all(boundaries == ends[0] for boundaries in ends)  # aligned across the ladder


@pytest.mark.django_db
def test_ffprobe_reads_the_stored_master_playlist_as_the_ladder(video):
    media = video.media
    info = _probe(
        Path(media.hls_playlist.path), "stream=codec_type,codec_name,width,height:format=duration"
    )
    streams = info["streams"]
    pictures = [(s["codec_name"], s["width"], s["height"]) for s in streams if "width" in s]
    sounds = [s["codec_name"] for s in streams if s["codec_type"] == "audio"]
    renditions = media.renditions.order_by("-height")
    assert pictures == [("h264", rendition.width, rendition.height) for rendition in renditions]
    assert sounds == ["aac"] * len(renditions)
    assert float(info["format"]["duration"]) == pytest.approx(media.duration, abs=0.1)


# --- The packaging, on 5 s of the sample: three segments per variant ----------------------


@dataclass(frozen=True)
class Packaged:
    """A packaged ladder: its master playlist, and the renditions it was made of."""

    master: Path
    variants: list[Variant]


@pytest.fixture(scope="module")
def packaged(sample_media_dir, tmp_path_factory) -> Iterator[Packaged]:
    """The 2 s sample looped to 5 s (720p with sound), encoded as the ladder and packaged."""
    work = tmp_path_factory.mktemp("hls")
    source = work / "five-seconds.mp4"
    sample = sample_media_dir / "example2.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-stream_loop", "2", "-i", str(sample), "-t", "5",
         "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", str(source)],
        check=True,
    )  # fmt: skip
    folder, encoded = encode_ladder(source, ladder_for(1280, 720, 0), 5.0, True)
    variants = [Variant(r.rung.name, r.path, r.rung.width, r.rung.height) for r in encoded]
    try:
        yield Packaged(package_hls(variants, work, duration=5.0, has_audio=True), variants)
    finally:
        shutil.rmtree(folder)


def test_segments_last_two_seconds_and_end_together_across_the_ladder(packaged):
    assert [variant.name for variant in packaged.variants] == ["720p", "360p"]
    for variant in packaged.variants:
        playlist = m3u8.load(str(packaged.master.parent / variant.name / "index.m3u8"))
        assert playlist.target_duration == 2
        seconds = [segment.duration for segment in playlist.segments]
        assert seconds == pytest.approx([2.0, 2.0, 1.0], abs=0.001)


def test_the_variants_carry_the_renditions_packets_unchanged(packaged):
    for variant in packaged.variants:
        playlist = packaged.master.parent / variant.name / "index.m3u8"
        packaged_hashes = [packet["data_hash"] for packet in video_packets(playlist, "data_hash")]
        encoded_hashes = [
            packet["data_hash"] for packet in video_packets(variant.path, "data_hash")
        ]
        assert len(packaged_hashes) == 5 * 24
        assert packaged_hashes == encoded_hashes


def test_every_segment_starts_with_a_keyframe_at_its_time_in_the_playlist(packaged, tmp_path):
    for variant in packaged.variants:
        folder = packaged.master.parent / variant.name
        playlist = m3u8.load(str(folder / "index.m3u8"))
        [init] = playlist.segment_map
        starts = [0.0, *itertools.accumulate(s.duration for s in playlist.segments)][:-1]
        firsts = []
        for segment in playlist.segments:
            alone = tmp_path / f"{variant.name}-{segment.uri}.mp4"  # as a player appends it
            alone.write_bytes(
                (folder / init.uri).read_bytes() + (folder / segment.uri).read_bytes()
            )
            [first, *_] = _probe(alone, "packet=pts_time,flags")["packets"]  # decoding order
            assert first["flags"].startswith("K"), f"{variant.name}/{segment.uri}"
            firsts.append(float(first["pts_time"]))
        # Each segment's first frame shows at the segment's start in the playlist, give or
        # take the encoder's delay, the same in every segment.
        delays = [first - start for first, start in zip(firsts, starts, strict=True)]
        assert delays == pytest.approx([delays[0]] * len(delays), abs=0.001)


# --- Streaming ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_player_streams_every_file_of_a_published_video_s_presentation(client, video):
    stored = _stored(video.media)

    def get(name: str) -> bytes:
        response = client.get(_hls(video, name))
        assert response.status_code == 200, name
        assert response["Content-Type"] == CONTENT_TYPES[posixpath.splitext(name)[1]], name
        assert response["Cache-Control"] == "public, max-age=600", name
        return response.getvalue()

    assert _presentation(get) == stored


@pytest.mark.django_db
def test_the_presentation_of_a_draft_or_unfinished_video_is_not_streamed(client, video):
    names = list(_stored(video.media))
    media = VideoMedia.objects.filter(pk=video.media_id)
    media.update(status=VideoMedia.Status.PROCESSING)  # processed again, say
    assert {client.get(_hls(video, name)).status_code for name in names} == {404}
    media.update(status=VideoMedia.Status.READY)
    assert client.get(_hls(video, MASTER)).status_code == 200
    video.unpublish()
    assert {client.get(_hls(video, name)).status_code for name in names} == {404}


@pytest.mark.django_db
def test_only_the_video_s_own_presentation_is_streamed(client, video):
    # Another published video's presentation, stored beside this one's.
    other = VideoMediaFactory.create()
    storage = other.hls_playlist.storage
    name = storage.save(f"videos/hls/{other.pk}-other/{MASTER}", ContentFile(b"#EXTM3U\n"))
    VideoMedia.objects.filter(pk=other.pk).update(hls_playlist=name, hls_files=[name])
    other_video = VideoFactory.create(media=other)
    assert client.get(_hls(other_video, MASTER)).status_code == 200
    source = video.media.source.name
    refused = [
        "nothing.m3u8",
        "720p/99999.m4s",
        "720p/",
        f"720p/../{MASTER}",
        f"720p/..%2F{MASTER}",
        f"../{other.pk}-other/{MASTER}",
        f"..%2F{other.pk}-other%2F{MASTER}",
        name,
        f"/{name}",
        f"../../../{source}",
        f"..%2F..%2F..%2F{source}",
    ]
    answers = {spelling: client.get(_hls(video, spelling)).status_code for spelling in refused}
    assert answers == dict.fromkeys(refused, 404)


@pytest.mark.django_db
def test_development_media_serving_leaves_the_presentation_out(video):
    request = RequestFactory().get("/media/")
    master = video.media.hls_playlist.name
    for name in [*video.media.hls_files, f"videos/posters/../{master.removeprefix('videos/')}"]:
        with pytest.raises(Http404):
            serve_public_media(request, name)
    assert serve_public_media(request, video.media.poster.name).status_code == 200


# --- Where to find it ---------------------------------------------------------------------


@pytest.mark.django_db
def test_the_api_and_the_ready_event_give_the_master_playlist_s_address(client, video):
    address = get_full_url(None, _hls(video, MASTER))
    assert address.endswith(f"/videos/{video.pk}/hls/master.m3u8")
    assert client.get(f"/api/v2/videos/{video.pk}/").json()["hls_url"] == address
    [event] = OutboxEvent.objects.filter(type="cms.video.ready")
    assert event.data["hls_url"] == address
    assert client.get(urlsplit(address).path).status_code == 200


@pytest.mark.django_db
def test_a_video_without_a_presentation_has_no_hls_address(client):
    video = VideoFactory.create()  # ready media from before HLS
    assert client.get(f"/api/v2/videos/{video.pk}/").json()["hls_url"] is None
    assert client.get(_hls(video, MASTER)).status_code == 404


# --- Replacing it -------------------------------------------------------------------------


@pytest.mark.django_db
def test_processing_again_replaces_the_presentation_and_then_deletes_the_old_one(
    client, video, django_capture_on_commit_callbacks
):
    storage = video.media.hls_playlist.storage
    old = list(video.media.hls_files)

    with django_capture_on_commit_callbacks() as callbacks:
        create_renditions(VideoMedia.objects.get(pk=video.media_id))  # as the job loads it

    media = VideoMedia.objects.get(pk=video.media_id)
    assert _folder(media) != _folder(video.media)
    assert len(media.hls_files) == len(old)
    assert all(storage.exists(name) for name in media.hls_files)
    assert all(storage.exists(name) for name in old)  # until the transaction commits
    assert client.get(_hls(video, MASTER)).getvalue() == _stored(media)[MASTER]
    for callback in callbacks:
        callback()
    assert not any(storage.exists(name) for name in old)
    assert not Path(storage.path(_folder(video.media))).exists()  # no empty folders left
    assert all(storage.exists(name) for name in media.hls_files)
