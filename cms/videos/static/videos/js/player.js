// The video page's player, on top of the browser's own controls: a scrub bar that previews
// frames from the video's thumbnail strip, and shot-list timecodes that seek the player.
// Without JavaScript the player still plays and a timecode reloads the page at that time.
(() => {
    "use strict";

    const STRIP_FRAMES = 10; // pipeline/media/frames.py: STRIP_FRAMES evenly spaced frames
    const PREVIEW_WIDTH = 160;

    const clock = (seconds) => {
        const total = Math.max(0, Math.floor(seconds));
        const hours = Math.floor(total / 3600);
        const minutes = Math.floor(total / 60) % 60;
        const secs = String(total % 60).padStart(2, "0");
        return hours ? `${hours}:${String(minutes).padStart(2, "0")}:${secs}` : `${minutes}:${secs}`;
    };

    const setUpScrubber = (video, scrubber) => {
        const range = scrubber.querySelector("input[type=range]");
        const preview = scrubber.querySelector(".scrubber__preview");
        const label = preview.querySelector(".scrubber__time");
        const strip = new Image();
        strip.src = video.dataset.strip;
        scrubber.hidden = false;

        const duration = () => video.duration || parseFloat(video.dataset.duration) || 0;

        const showPreview = (seconds, x) => {
            const length = duration();
            if (!length || !strip.naturalWidth) return;
            const frameWidth = strip.naturalWidth / STRIP_FRAMES;
            const scale = PREVIEW_WIDTH / frameWidth;
            const index = Math.min(STRIP_FRAMES - 1, Math.floor((seconds / length) * STRIP_FRAMES));
            Object.assign(preview.style, {
                width: `${PREVIEW_WIDTH}px`,
                height: `${Math.round(strip.naturalHeight * scale)}px`,
                left: `${Math.min(Math.max(x, PREVIEW_WIDTH / 2), range.clientWidth - PREVIEW_WIDTH / 2)}px`,
                backgroundImage: `url("${strip.src}")`,
                backgroundSize: `${PREVIEW_WIDTH * STRIP_FRAMES}px auto`,
                backgroundPosition: `${-index * PREVIEW_WIDTH}px 0`,
            });
            label.textContent = clock(seconds);
            preview.hidden = false;
        };
        const hidePreview = () => { preview.hidden = true; };
        const atPointer = (event) => {
            const box = range.getBoundingClientRect();
            const fraction = Math.min(1, Math.max(0, (event.clientX - box.left) / box.width));
            return {seconds: fraction * duration(), x: event.clientX - box.left};
        };

        range.addEventListener("pointermove", (event) => {
            const {seconds, x} = atPointer(event);
            showPreview(seconds, x);
        });
        range.addEventListener("pointerleave", hidePreview);
        range.addEventListener("blur", hidePreview);
        range.addEventListener("input", () => {
            const seconds = parseFloat(range.value);
            video.currentTime = seconds;
            showPreview(seconds, (seconds / (duration() || 1)) * range.clientWidth);
        });
        video.addEventListener("loadedmetadata", () => { range.max = String(duration()); });
        video.addEventListener("timeupdate", () => {
            if (document.activeElement !== range) range.value = String(video.currentTime);
        });
    };

    document.querySelectorAll("[data-player]").forEach((container) => {
        const video = container.querySelector("video");
        const scrubber = container.querySelector("[data-scrubber]");
        if (scrubber && video.dataset.strip) setUpScrubber(video, scrubber);

        document.querySelectorAll(`a[data-seek][href$="#${video.id}"]`).forEach((link) => {
            link.addEventListener("click", (event) => {
                event.preventDefault();
                video.currentTime = parseFloat(link.dataset.seek);
                video.focus();
                video.play().catch(() => {}); // autoplay rules may refuse; the seek stands
            });
        });
    });
})();
