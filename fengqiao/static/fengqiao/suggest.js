/* "采用" on a category suggestion sets the form's category select. */
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-apply-category]");
  if (!button) return;
  var select = document.getElementById("id_category");
  if (select) select.value = button.dataset.applyCategory;
});
