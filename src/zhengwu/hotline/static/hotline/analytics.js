/* Hotline analytics charts (Apache ECharts, vendored: /static/vendor/echarts/echarts.min.js).
 *
 * The numbers come from <script type="application/json" id="hla-chart-data"> (Django's
 * json_script); every chart has a table with the same numbers below it, which is the
 * accessible form. Charts are drawn as SVG, follow elderly mode (larger type, black text)
 * and are redrawn when htmx swaps the page (the elderly-mode toggle does that).
 */
(function () {
  "use strict";

  var charts = [];

  function elderly() {
    var app = document.getElementById("app");
    return !!app && app.classList.contains("elderly");
  }

  function style() {
    var big = elderly();
    return {
      font: big ? 20 : 13,
      text: big ? "#000000" : "#1f1f1f",
      line: big ? "#000000" : "#6b7280",
      palette: ["#1f3a5a", "#a3191c", "#8a5a00", "#0b6e4f"],
      lineWidth: big ? 4 : 2,
    };
  }

  function axisStyle(s) {
    return {
      axisLabel: { color: s.text, fontSize: s.font },
      axisLine: { lineStyle: { color: s.line } },
      nameTextStyle: { color: s.text, fontSize: s.font },
    };
  }

  function trendOption(data, s, narrow) {
    var base = axisStyle(s);
    var days = Object.assign({}, base.axisLabel, {
      hideOverlap: true,
      formatter: function (value) { return value.slice(5); },  // MM-DD; the table has years
    });
    return {
      animation: false,
      color: s.palette,
      textStyle: { fontSize: s.font, color: s.text },
      tooltip: { trigger: "axis", textStyle: { fontSize: s.font } },
      legend: { top: 0, textStyle: { fontSize: s.font, color: s.text } },
      grid: { left: 8, right: 24, top: s.font * (narrow ? 4 : 3), bottom: 8, containLabel: true },
      xAxis: Object.assign({ type: "category", data: data.days, boundaryGap: true }, base,
        { axisLabel: days }),
      yAxis: Object.assign({ type: "value", minInterval: 1 }, base),
      series: [
        { name: data.names.received, type: "line", data: data.received,
          lineStyle: { width: s.lineWidth }, symbolSize: s.lineWidth * 3 },
        { name: data.names.closed, type: "line", data: data.closed,
          lineStyle: { width: s.lineWidth, type: "dashed" }, symbolSize: s.lineWidth * 3 },
      ],
    };
  }

  function departmentOption(data, s, narrow) {
    var base = axisStyle(s);
    var names = Object.assign({}, base.axisLabel, {
      width: narrow ? s.font * 5 : s.font * 12, overflow: "truncate" });
    return {
      animation: false,
      color: s.palette,
      textStyle: { fontSize: s.font, color: s.text },
      tooltip: { trigger: "axis", textStyle: { fontSize: s.font } },
      legend: { top: 0, orient: narrow ? "vertical" : "horizontal",
        textStyle: { fontSize: s.font, color: s.text } },
      grid: { left: 8, right: 32, top: s.font * (narrow ? 7 : 4), bottom: 8, containLabel: true },
      xAxis: [
        Object.assign({ type: "value", position: "bottom", minInterval: 1 }, base),
        Object.assign({ type: "value", position: "top", min: 0, max: 100,
          interval: narrow ? 50 : 20,
          axisLabel: { color: s.text, fontSize: s.font, formatter: "{value}%",
            hideOverlap: true } }, {
          axisLine: base.axisLine, splitLine: { show: false } }),
      ],
      yAxis: Object.assign({ type: "category", inverse: true, data: data.names }, base,
        { axisLabel: names }),
      series: [
        { name: data.labels.received, type: "bar", data: data.received, xAxisIndex: 0 },
        { name: data.labels.close_rate, type: "line", data: data.close_rate, xAxisIndex: 1,
          lineStyle: { width: s.lineWidth }, symbolSize: s.lineWidth * 4, connectNulls: true },
        { name: data.labels.sign_rate, type: "line", data: data.sign_rate, xAxisIndex: 1,
          lineStyle: { width: s.lineWidth, type: "dashed" }, symbolSize: s.lineWidth * 4,
          connectNulls: true },
      ],
    };
  }

  function draw(id, build) {
    var el = document.getElementById(id);
    if (!el) return;
    var option = build(el.clientWidth < 560);
    var old = window.echarts.getInstanceByDom(el);
    if (old) old.dispose();
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    chart.setOption(option);
    // The container carries the label (role="img"); the table below is the accessible form,
    // so the drawing itself is hidden from assistive technology.
    var svg = el.querySelector("svg");
    if (svg) svg.setAttribute("aria-hidden", "true");
    charts.push(chart);
  }

  function init() {
    var source = document.getElementById("hla-chart-data");
    if (!source || !window.echarts) return;
    var data = JSON.parse(source.textContent);
    var s = style();
    charts = [];
    var labels = {};
    ["hla-trend-chart", "hla-dept-chart"].forEach(function (id) {
      var el = document.getElementById(id);
      if (el) labels[id] = el.getAttribute("aria-label");
    });
    draw("hla-trend-chart", function (narrow) { return trendOption(data.trend, s, narrow); });
    if (data.departments.names.length) {
      draw("hla-dept-chart", function (narrow) {
        return departmentOption(data.departments, s, narrow);
      });
    }
    Object.keys(labels).forEach(function (id) {
      var el = document.getElementById(id);
      if (el) {
        el.setAttribute("role", "img");
        el.setAttribute("aria-label", labels[id]);
        el.setAttribute("data-rendered", "true");
      }
    });
  }

  var resizeTimer = null;
  window.addEventListener("resize", function () {
    clearTimeout(resizeTimer);
    // Redraw rather than resize: narrow screens get their own legend and axis layout.
    resizeTimer = setTimeout(init, 150);
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
  // The elderly-mode toggle swaps #app through htmx: draw again with the new sizes.
  document.addEventListener("htmx:afterSettle", init);
})();
