/* The dashboard's charts: each table of the page's JSON (the same rows as the tables and CSV)
   drawn with ECharts into the element marked data-chart="<key>". */
(function () {
  var source = document.getElementById("dashboard-data");
  if (!source || !window.echarts) return;
  var tables = JSON.parse(source.textContent);
  var palette = ["#b4282d", "#5b7083", "#2e7d32", "#e6911e", "#4527a0", "#00838f", "#8d6e63", "#c2185b"];

  function column(rows, index) { return rows.map(function (row) { return row[index]; }); }

  function option(table) {
    var rows = table.rows;
    var base = {color: palette, tooltip: {trigger: table.chart === "pie" ? "item" : "axis"}, animation: false,
                grid: {left: 48, right: 16, top: 36, bottom: 64}};
    if (table.chart === "pie") {
      base.legend = {type: "scroll", bottom: 0};
      base.series = [{type: "pie", radius: ["35%", "65%"], center: ["50%", "45%"],
                      data: rows.map(function (row) { return {name: row[0], value: row[1]}; })}];
      return base;
    }
    var names = table.columns.slice(1);
    var numeric = names.map(function (_, i) { return rows.every(function (row) { return typeof row[i + 1] === "number"; }); });
    base.legend = {top: 0};
    base.xAxis = {type: "category", data: column(rows, 0),
                  axisLabel: {rotate: rows.length > 6 ? 35 : 0, interval: table.chart === "line" ? "auto" : 0}};
    base.yAxis = {type: "value", minInterval: 1};
    base.series = [];
    names.forEach(function (name, i) {
      if (!numeric[i] || name === "增减") return;
      base.series.push({name: name, type: table.chart, data: column(rows, i + 1), showSymbol: table.chart !== "line" || rows.length <= 31});
    });
    return base;
  }

  tables.forEach(function (table) {
    var box = document.querySelector('[data-chart="' + table.key + '"]');
    if (!box) return;
    if (!table.rows.length) { box.classList.add("empty"); box.textContent = "暂无数据"; box.dataset.rendered = "empty"; return; }
    var chart = echarts.init(box, null, {renderer: "canvas"});
    chart.on("finished", function () { box.dataset.rendered = "1"; });
    chart.setOption(option(table));
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
