/* Recouvre dashboards: draws the charts from the figures in the page (attribute data-graphiques, JSON) with Apache ECharts
   (vendored, SVG renderer). The same figures are in the tables next to each chart. */
(function () {
  "use strict";
  var source = document.getElementById("donnees-graphiques");
  if (!source || typeof echarts === "undefined") { return; }
  var data = JSON.parse(source.getAttribute("data-graphiques"));
  var euro = function (cents) { return (cents / 100).toLocaleString("fr-FR", { maximumFractionDigits: 0 }) + " " + data.currency; };
  var charts = [];

  function draw(id, option) {
    var element = document.getElementById(id);
    if (!element) { return; }
    var chart = echarts.init(element, null, { renderer: "svg", locale: "FR" });
    option.animation = false;
    option.aria = { enabled: true };
    chart.setOption(option);
    charts.push(chart);
  }

  var months = data.trend.map(function (p) { return p.month; });
  draw("graphique-tendance", {
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 70, right: 60, top: 40, bottom: 30 },
    xAxis: { type: "category", data: months },
    yAxis: [
      { type: "value", name: data.currency, axisLabel: { formatter: function (v) { return (v / 100).toLocaleString("fr-FR"); } } },
      { type: "value", name: "%", position: "right" }
    ],
    series: [
      { name: "Recouvré", type: "line", data: data.trend.map(function (p) { return p.recovered; }) },
      { name: "Nouveaux", type: "line", data: data.trend.map(function (p) { return p.new; }) },
      { name: "Taux du mois (%)", type: "line", yAxisIndex: 1, data: data.trend.map(function (p) { return p.rate; }) }
    ]
  });

  var phaseNames = { amicable: "Amiable", contentious: "Contentieux", enforcement: "Exécution forcée" };
  draw("graphique-phases", {
    tooltip: { trigger: "axis", valueFormatter: euro },
    legend: { top: 0 },
    grid: { left: 70, right: 20, top: 40, bottom: 30 },
    xAxis: { type: "category", data: months },
    yAxis: { type: "value", axisLabel: { formatter: function (v) { return (v / 100).toLocaleString("fr-FR"); } } },
    series: Object.keys(phaseNames).map(function (phase) {
      return { name: phaseNames[phase], type: "bar", stack: "phases", data: data.trend.map(function (p) { return p.by_phase[phase]; }) };
    })
  });

  draw("graphique-pyramide", {
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: function (v) { return euro(Math.abs(v)); } },
    legend: { top: 0 },
    grid: { left: 110, right: 30, top: 40, bottom: 30 },
    xAxis: { type: "value", axisLabel: { formatter: function (v) { return (Math.abs(v) / 100).toLocaleString("fr-FR"); } } },
    yAxis: { type: "category", data: data.pyramid.map(function (r) { return r.band; }) },
    series: [
      { name: "Amiable", type: "bar", stack: "age", data: data.pyramid.map(function (r) { return -r.amicable; }) },
      { name: "Contentieux et exécution forcée", type: "bar", stack: "age", data: data.pyramid.map(function (r) { return r.contentious + r.enforcement; }) }
    ]
  });

  draw("graphique-organismes", {
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 50, right: 20, top: 40, bottom: 60 },
    xAxis: { type: "category", data: data.organisms.map(function (o) { return o.organism; }), axisLabel: { rotate: 30 } },
    yAxis: { type: "value", name: "%" },
    series: [
      { name: "Taux de recouvrement", type: "bar", data: data.organisms.map(function (o) { return o.recovery_rate; }) },
      { name: "Taux de remise", type: "bar", data: data.organisms.map(function (o) { return o.remission_rate; }) }
    ]
  });

  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
