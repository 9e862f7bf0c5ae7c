/* A map to pick where a matter happened: the grids of the user's region drawn from the API
   (no tile server needed on an offline network; a tile URL can be configured), a click sets the
   form's lat/lng and shows which grid the point falls in. */
(function () {
  var box = document.getElementById("map");
  if (!box || !window.L) return;
  var map = L.map(box, {attributionControl: false});
  if (box.dataset.tiles) L.tileLayer(box.dataset.tiles, {maxZoom: 19}).addTo(map);
  var marker = null;
  var picked = document.getElementById("picked");
  function json(url) { return fetch(url, {credentials: "same-origin"}).then(function (r) { return r.json(); }); }
  json("/api/v1/regions/" + box.dataset.region + "/geojson?kind=grid&kind=village").then(function (data) {
    var layer = L.geoJSON(data, {
      style: function (f) {
        return f.properties.kind === "village"
          ? {color: "#b4282d", weight: 2, fill: false}
          : {color: "#5b7083", weight: 1, fillColor: "#dde6ee", fillOpacity: 0.35};
      },
      // A text node, not a string: Leaflet puts a string tooltip in as HTML, and names come from imports.
      onEachFeature: function (f, l) {
        if (f.properties.kind === "grid") l.bindTooltip(document.createTextNode(f.properties.name));
      }
    }).addTo(map);
    if (layer.getBounds().isValid()) map.fitBounds(layer.getBounds());
  });
  map.on("click", function (e) {
    var lat = e.latlng.lat.toFixed(6), lng = e.latlng.lng.toFixed(6);
    document.getElementById("id_lat").value = lat;
    document.getElementById("id_lng").value = lng;
    if (marker) marker.setLatLng(e.latlng); else marker = L.marker(e.latlng).addTo(map);
    json("/api/v1/regions/locate?lat=" + lat + "&lng=" + lng).then(function (r) {
      picked.textContent = r.grid ? "已选点:" + r.grid.name : "所选位置不在本辖区网格内";
    });
  });
})();
