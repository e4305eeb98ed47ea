"""What every page in the journeys is checked for: axe-core, the 360 px layout, type size."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe

from tests.e2e.conftest import DESKTOP, PHONE

_AXE = Axe()  # bundles axe.min.js: nothing is downloaded
BLOCKING_IMPACTS = {"serious", "critical"}

# Smallest computed font size among visible elements that hold text themselves.
SMALLEST_TEXT_JS = """() => {
  let smallest = Infinity, where = "";
  for (const el of document.querySelectorAll("#app *")) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.getClientRects().length) continue;
    const size = parseFloat(getComputedStyle(el).fontSize);
    if (size < smallest) { smallest = size; where = el.outerHTML.slice(0, 80); }
  }
  return [smallest, where];
}"""

# Smallest height/width among visible controls (buttons, button-like links, menu links).
SMALLEST_TARGET_JS = """() => {
  let smallest = Infinity, where = "";
  for (const el of document.querySelectorAll(
      "#app button, #app .button, #app .tool-button, #app nav a, #app .brand")) {
    const box = el.getBoundingClientRect();
    if (!box.width || !box.height) continue;
    const size = Math.min(box.width, box.height);
    if (size < smallest) { smallest = size; where = el.outerHTML.slice(0, 80); }
  }
  return [smallest, where];
}"""


def axe_blocking_violations(page) -> list[str]:
    results = _AXE.run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(str(node["target"]) for node in v["nodes"][:5])
        for v in results.response["violations"]
        if v["impact"] in BLOCKING_IMPACTS
    ]


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def check_page(page, label: str) -> None:
    """axe (no serious/critical violations) at 1280×800 and 360×740; no sideways scroll at 360."""
    try:
        for viewport in (DESKTOP, PHONE):
            page.set_viewport_size(viewport)
            problems = axe_blocking_violations(page)
            assert not problems, f"{label} at {viewport['width']}px: {problems}"
            if viewport is PHONE:
                width = page_width(page)
                assert width <= PHONE["width"], f"{label}: {width}px wide at 360px"
            smallest_target, where = page.evaluate(SMALLEST_TARGET_JS)
            assert smallest_target >= 44, f"{label}: {smallest_target}px target {where}"
    finally:
        page.set_viewport_size(DESKTOP)


def is_elderly(page) -> bool:
    return page.evaluate("document.getElementById('app').classList.contains('elderly')")


def check_elderly_type(page, label: str) -> None:
    """Elderly mode: every piece of text ≥ 20 px, every control ≥ 48 px."""
    # After a plain form post the new document may not have applied its style sheet yet.
    page.wait_for_load_state("load")
    assert is_elderly(page), f"{label}: not in elderly mode"
    for viewport in (DESKTOP, PHONE):
        page.set_viewport_size(viewport)
        smallest, where = page.evaluate(SMALLEST_TEXT_JS)
        assert smallest >= 20, f"{label}: {smallest}px text at {viewport['width']}px: {where}"
        smallest_target, where = page.evaluate(SMALLEST_TARGET_JS)
        assert smallest_target >= 48, f"{label}: {smallest_target}px target {where}"
    page.set_viewport_size(DESKTOP)


def font_size(page, selector: str) -> float:
    return page.eval_on_selector(selector, "e => parseFloat(getComputedStyle(e).fontSize)")
