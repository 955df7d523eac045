// The clip tool (partial downloads), on the portal's video page and in the admin: in and out
// points set from the player or typed, a clip asked for through the API, its progress
// followed, and the link to download it. Markup: videos/includes/clip_tool.html.
(() => {
    "use strict";

    const pad = (number, width = 2) => String(number).padStart(width, "0");

    // Seconds as HH:MM:SS.mmm, which the API takes as it is.
    const timecode = (seconds) => {
        const millis = Math.round(seconds * 1000);
        const hours = Math.floor(millis / 3600000);
        const minutes = Math.floor(millis / 60000) % 60;
        const secs = Math.floor(millis / 1000) % 60;
        return `${pad(hours)}:${pad(minutes)}:${pad(secs)}.${pad(millis % 1000, 3)}`;
    };

    // The API answers with absolute URLs built from its configured base address; this page
    // follows them on its own origin, where its session cookie goes.
    const onThisSite = (url) => {
        const parsed = new URL(url, window.location.href);
        return parsed.pathname + parsed.search;
    };

    const csrfFromCookie = () => document.cookie.match(/(?:^|; )csrftoken=([^;]+)/)?.[1] || "";

    const setUp = (tool) => {
        const player = document.getElementById(tool.dataset.player);
        const status = tool.querySelector("[data-clip-status]");
        const progress = tool.querySelector("[data-clip-progress]");
        const request = tool.querySelector("[data-clip-request]");
        const value = (mark) => tool.querySelector(`[data-clip-value="${mark}"]`);

        const show = (text, percent = null) => {
            status.textContent = text;
            if (progress) {
                progress.hidden = percent === null;
                if (percent !== null) progress.value = percent;
            }
        };

        tool.querySelectorAll("[data-clip-mark]").forEach((button) => {
            button.addEventListener("click", () => {
                if (player) value(button.dataset.clipMark).value = timecode(player.currentTime);
            });
        });

        const follow = async (url) => {
            let clip;
            try {
                clip = await (await fetch(url, {credentials: "same-origin"})).json();
            } catch (error) {
                show(tool.dataset.textFailed);
                request.disabled = false;
                return;
            }
            if (clip.status === "ready") {
                show("");
                const link = document.createElement("a");
                link.href = onThisSite(clip.download_url);
                link.textContent = tool.dataset.textDownload;
                link.setAttribute("download", "");
                status.append(link);
                // The subtitles of the clip's range, one link per language.
                (clip.subtitles || []).forEach((track) => {
                    const subtitles = document.createElement("a");
                    subtitles.href = onThisSite(track.url);
                    subtitles.textContent = `${tool.dataset.textSubtitles} (${track.label})`;
                    subtitles.setAttribute("download", "");
                    subtitles.lang = track.language;
                    status.append(" · ", subtitles);
                });
                request.disabled = false;
            } else if (clip.status === "failed") {
                show(`${tool.dataset.textFailed} ${clip.error || ""}`.trim());
                request.disabled = false;
            } else {
                show(`${tool.dataset.textPreparing} ${clip.progress}%`, clip.progress);
                setTimeout(() => follow(url), 1000);
            }
        };

        request.addEventListener("click", async () => {
            request.disabled = true;
            show("");
            const response = await fetch(tool.dataset.clipsUrl, {
                method: "POST",
                credentials: "same-origin",
                headers: {
                    "Content-Type": "application/json",
                    "X-CSRFToken": tool.dataset.csrf || csrfFromCookie(),
                },
                body: JSON.stringify({
                    start: value("start").value.trim(),
                    end: value("end").value.trim(),
                    rendition: tool.querySelector("[data-clip-rendition]").value,
                }),
            });
            const body = await response.json().catch(() => ({}));
            if (!response.ok) {
                show(body.message || tool.dataset.textFailed);
                request.disabled = false;
                return;
            }
            follow(onThisSite(body.status_url));
        });
    };

    document.querySelectorAll("[data-clip-tool]").forEach(setUp);
})();
