// Keeps the e-mail index's progress on the wizard page current while it is built,
// without reloading the page (what the merchant types elsewhere stays). Without
// JavaScript the page has a Refresh link instead.
(function () {
  const box = document.getElementById("index-progress");
  if (!box) return;
  const text = box.querySelector(".index-text");
  const bar = box.querySelector("progress");
  async function tick() {
    let state = box.dataset.state;
    if (state !== "waiting" && state !== "running") return;
    try {
      const answer = await fetch(box.dataset.url, { headers: { Accept: "application/json" } });
      if (answer.ok) {
        const index = (await answer.json()).relation_index;
        state = index.state;
        box.dataset.state = state;
        if (state === "waiting") {
          text.textContent = "Waiting for the processor to start reading Informer's customers…";
        } else if (state === "running") {
          const of = index.pages_total ? " of " + index.pages_total : "";
          text.textContent = "Reading Informer's customers: " + index.relations_read +
            " read, page " + index.pages_read + of + "…";
          bar.max = index.pages_total || 1;
          bar.value = index.pages_read;
        } else {
          window.location.reload();  // done or failed: the page says what next
          return;
        }
      }
    } catch (e) { /* try again at the next tick */ }
    setTimeout(tick, 1500);
  }
  setTimeout(tick, 1500);
})();
