/* The map: grid polygons coloured by case count with hot spots outlined, cases as points and as a
   heat lattice, patrol zones with 1/3/5-minute response circles, video points; each a layer the
   user can switch. Works with no tile server (MAP_TILE_URL empty): the grids are the base map. */
(function () {
  var box = document.getElementById("bigmap");
  if (!box || !window.L) return;
  var status = document.getElementById("map-status");
  var map = L.map(box, {attributionControl: false, preferCanvas: true});
  if (box.dataset.tiles) L.tileLayer(box.dataset.tiles, {maxZoom: 19}).addTo(map);
  var url = "/api/v1/analytics/map?region=" + encodeURIComponent(box.dataset.region) + "&days=" + box.dataset.days;

  function shade(count, max) {
    if (!count) return "#f4f7f9";
    var t = Math.min(1, count / Math.max(1, max));
    var stops = ["#fff3e0", "#ffcc80", "#ffa726", "#f4511e", "#c62828"];
    return stops[Math.min(stops.length - 1, Math.floor(t * stops.length))];
  }
  function heatColour(w) { return w > 0.75 ? "#c62828" : w > 0.5 ? "#f4511e" : w > 0.25 ? "#ffa726" : "#ffe082"; }
  function text(s) { var span = document.createElement("span"); span.textContent = s; return span.innerHTML; }

  fetch(url, {credentials: "same-origin"}).then(function (r) {
    if (!r.ok) throw new Error(r.status);
    return r.json();
  }).then(function (data) {
    var max = 0;
    data.grids.features.forEach(function (f) { max = Math.max(max, f.properties.count); });
    var grids = L.geoJSON(data.grids, {
      style: function (f) {
        return f.properties.hot
          ? {color: "#e53935", weight: 3, fillColor: shade(f.properties.count, max), fillOpacity: 0.7}
          : {color: "#5b7083", weight: 1, fillColor: shade(f.properties.count, max), fillOpacity: 0.55};
      },
      onEachFeature: function (f, layer) {
        layer.bindTooltip(text(f.properties.name) + ":" + f.properties.count + " 件" + (f.properties.hot ? "(热点)" : ""));
      }
    }).addTo(map);

    var points = L.layerGroup(data.cases.map(function (c) {
      return L.circleMarker([c.lat, c.lng], {radius: 4, color: c.risk >= 60 ? "#c62828" : "#1565c0", weight: 1, fillOpacity: 0.8})
        .bindPopup('<a href="/cases/' + encodeURIComponent(c.number) + '/">' + text(c.number) + "</a><br>" +
                   text(c.category) + " · " + text(c.status) + "<br>" + text(c.title || ""));
    }));
    var heat = L.layerGroup(data.heat.map(function (h) {
      return L.circle([h[0], h[1]], {radius: 260, stroke: false, fillColor: heatColour(h[2]), fillOpacity: 0.15 + 0.5 * h[2], interactive: false});
    }));
    var patrols = L.layerGroup();
    data.patrol_zones.forEach(function (z) {
      [5, 3, 1].forEach(function (m, i) {
        L.circle([z.lat, z.lng], {radius: z.radii[m], color: "#2e7d32", weight: 1 + i, fillOpacity: 0.05 + 0.05 * i, dashArray: m === 5 ? "4 4" : null})
          .bindTooltip(text(z.name) + " " + m + " 分钟响应圈(" + z.radii[m] + " 米)").addTo(patrols);
      });
      if (z.polygon) L.geoJSON(z.polygon, {style: {color: "#2e7d32", weight: 2, fill: false}}).addTo(patrols);
      L.circleMarker([z.lat, z.lng], {radius: 6, color: "#2e7d32", fillOpacity: 1}).bindPopup(text(z.name) + "<br>" + text(z.team)).addTo(patrols);
    });
    var videos = L.layerGroup(data.video_points.map(function (v) {
      return L.marker([v.lat, v.lng], {icon: L.divIcon({className: "video-icon", iconSize: [12, 12]})})
        .bindTooltip(text(v.name) + "(" + text(v.kind) + ")");
    }));
    points.addTo(map); heat.addTo(map); patrols.addTo(map); videos.addTo(map);
    L.control.layers(null, {"网格": grids, "事项点位": points, "热力": heat, "巡防圈": patrols, "视频点位": videos}, {collapsed: false}).addTo(map);
    if (grids.getBounds().isValid()) map.fitBounds(grids.getBounds());
    else if (data.region.lat) map.setView([data.region.lat, data.region.lng], 12);

    var body = document.getElementById("hot-grids");
    body.innerHTML = data.hot_grids.length ? "" : '<tr><td colspan="2" class="muted">没有明显高于平均水平的网格</td></tr>';
    data.hot_grids.forEach(function (g) {
      var row = document.createElement("tr");
      row.innerHTML = "<td>" + text(g.name) + '</td><td class="num">' + g.count + "</td>";
      body.appendChild(row);
    });
    status.textContent = "近 " + data.days + " 日:网格 " + data.grids.features.length + " 个,事项 " + data.cases.length +
      " 件,热点网格 " + data.hot_grids.length + " 个,巡防区 " + data.patrol_zones.length + " 个,视频点位 " + data.video_points.length + " 个";
    box.dataset.rendered = "1";
  }).catch(function () { status.textContent = "地图数据加载失败"; });
})();
