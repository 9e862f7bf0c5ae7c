/* Fill the form's lat/lng from the phone's position, saying what happened. */
(function () {
  var status = document.getElementById("position");
  if (!status) return;
  if (!navigator.geolocation) { status.textContent = "无法获取定位,将按本人网格登记"; return; }
  navigator.geolocation.getCurrentPosition(function (p) {
    document.getElementById("id_lat").value = p.coords.latitude.toFixed(6);
    document.getElementById("id_lng").value = p.coords.longitude.toFixed(6);
    status.textContent = "已定位(精度约 " + Math.round(p.coords.accuracy) + " 米)";
  }, function () { status.textContent = "未能定位,将按本人网格登记"; }, {enableHighAccuracy: true, timeout: 10000});
})();
