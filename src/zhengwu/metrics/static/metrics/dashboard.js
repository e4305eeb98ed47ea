/* Indicator trend chart (Apache ECharts, vendored: /static/vendor/echarts/echarts.min.js).
 * Numbers come from <script type="application/json" id="mt-chart-data">; the trend table
 * below the chart holds the same numbers (the accessible form). Drawn as SVG, follows
 * elderly mode, redrawn when htmx swaps the page. */
(function () {
  "use strict";

  function elderly() {
    var app = document.getElementById("app");
    return !!app && app.classList.contains("elderly");
  }

  function init() {
    var source = document.getElementById("mt-chart-data");
    var el = document.getElementById("mt-trend-chart");
    if (!source || !el || !window.echarts) return;
    var data = JSON.parse(source.textContent);
    var big = elderly();
    var font = big ? 20 : 13;
    var text = big ? "#000000" : "#1f1f1f";
    var narrow = el.clientWidth < 560;
    var label = el.getAttribute("aria-label");
    var old = window.echarts.getInstanceByDom(el);
    if (old) old.dispose();
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    var dashes = ["solid", "dashed", "dotted", "solid", "dashed", "dotted"];
    chart.setOption({
      animation: false,
      color: ["#1f3a5a", "#a3191c", "#8a5a00", "#0b6e4f", "#5b2a86", "#444444"],
      textStyle: { fontSize: font, color: text },
      tooltip: { trigger: "axis", textStyle: { fontSize: font } },
      legend: { top: 0, type: narrow ? "scroll" : "plain", textStyle: { fontSize: font, color: text } },
      grid: { left: 8, right: 24, top: font * (narrow ? 4 : 5), bottom: 8, containLabel: true },
      xAxis: { type: "category", data: data.months,
        axisLabel: { color: text, fontSize: font, hideOverlap: true } },
      yAxis: { type: "value", min: 0, max: 100,
        axisLabel: { color: text, fontSize: font, formatter: "{value}%" } },
      series: data.series.map(function (s, i) {
        return { name: s.name, type: "line", data: s.data, connectNulls: false,
          lineStyle: { width: big ? 4 : 2, type: dashes[i % dashes.length] },
          symbolSize: big ? 12 : 6 };
      }),
    });
    var svg = el.querySelector("svg");
    if (svg) svg.setAttribute("aria-hidden", "true");
    el.setAttribute("role", "img");
    el.setAttribute("aria-label", label);
    el.setAttribute("data-rendered", "true");
    ranking(font, text);
  }

  /* Departments ranked by one rate: horizontal bars, best at the top. */
  function ranking(font, text) {
    var source = document.getElementById("mt-ranking-data");
    var el = document.getElementById("mt-ranking-chart");
    if (!source || !el) return;
    var data = JSON.parse(source.textContent);
    var label = el.getAttribute("aria-label");
    el.style.height = Math.max(160, data.labels.length * (font * 2 + 6) + 40) + "px";
    var old = window.echarts.getInstanceByDom(el);
    if (old) old.dispose();
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      color: ["#1f3a5a"],
      textStyle: { fontSize: font, color: text },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, textStyle: { fontSize: font } },
      grid: { left: 8, right: 48, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: "value", min: 0, max: 100,
        axisLabel: { color: text, fontSize: font, formatter: "{value}%" } },
      yAxis: { type: "category", data: data.labels,
        axisLabel: { color: text, fontSize: font } },
      series: [{ name: data.indicator, type: "bar", data: data.values,
        label: { show: true, position: "right", color: text, fontSize: font, formatter: "{c}%" } }],
    });
    var svg = el.querySelector("svg");
    if (svg) svg.setAttribute("aria-hidden", "true");
    el.setAttribute("role", "img");
    el.setAttribute("aria-label", label);
    el.setAttribute("data-rendered", "true");
  }

  var timer = null;
  window.addEventListener("resize", function () { clearTimeout(timer); timer = setTimeout(init, 150); });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
  document.addEventListener("htmx:afterSettle", init);
})();
