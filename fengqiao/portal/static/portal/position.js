/* Optional: fill the portal form's lat/lng from the phone's position when the citizen asks. */
(function () {
  var button = document.getElementById("use-position");
  var status = document.getElementById("position");
  if (!button || !navigator.geolocation) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    status.textContent = "正在获取位置…";
    navigator.geolocation.getCurrentPosition(function (p) {
      document.getElementById("id_lat").value = p.coords.latitude.toFixed(6);
      document.getElementById("id_lng").value = p.coords.longitude.toFixed(6);
      status.textContent = "已获取位置";
    }, function () { status.textContent = "未能获取位置,可只填写详细地点"; }, {timeout: 10000});
  });
})();
