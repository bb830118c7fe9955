/* The browse page's filters (findings plugin). Without this script the page lists every
   finding; with it the filter form is shown and hides the findings that do not match.
   A finding matches when, in every group with something chosen, it has one of the values
   chosen: the group's control is named N and the finding's data-filter-N attribute lists
   its values. The choices are kept in the address's query (?theme=covid-19&tags=power), so a
   filtered view can be shared. The Order list sorts the findings by a data-sort-<order>
   attribute (largest first), moving the items themselves; "By theme" is the page's own order.
   Nothing is written as HTML: only hidden, checked, numbers and the items' order. */
(function () {
  "use strict";

  function start() {
    var form = document.querySelector("form[data-findings-filter]");
    var list = document.querySelector("[data-findings-list]");
    if (!form || !list) return;
    var items = Array.prototype.slice.call(list.children);
    var sort = form.querySelector("[data-sort]");
    var controls = Array.prototype.slice.call(form.elements).filter(function (e) { return e.name; });
    var names = controls.map(function (e) { return e.name; })
      .filter(function (name, i, all) { return all.indexOf(name) === i; });
    var count = document.querySelector(".browse-count");
    var shown = count.querySelector("[data-shown]");
    var none = document.querySelector("[data-none]");

    function chosen() {
      var wanted = {};
      controls.forEach(function (e) {
        if ((e.type === "checkbox" ? e.checked : e.value) && e.value) {
          (wanted[e.name] = wanted[e.name] || []).push(e.value);
        }
      });
      return wanted;
    }

    function update() {
      var wanted = chosen(), visible = 0, query = new URLSearchParams();
      items.forEach(function (item) {
        var match = names.every(function (name) {
          if (!wanted[name]) return true;
          var has = (item.getAttribute("data-filter-" + name) || "").split(" ");
          return wanted[name].some(function (value) { return has.indexOf(value) >= 0; });
        });
        item.hidden = !match;
        if (match) visible += 1;
      });
      shown.textContent = String(visible);
      none.hidden = visible > 0;
      names.forEach(function (name) {
        (wanted[name] || []).forEach(function (value) { query.append(name, value); });
      });
      if (sort.value) query.set("sort", sort.value);
      order();
      var search = query.toString();
      history.replaceState(history.state, "", location.pathname + (search ? "?" + search : "") + location.hash);
    }

    function order() {
      var key = "data-sort-" + sort.value;
      var sorted = sort.value ? items.slice().sort(function (a, b) {
        var x = a.getAttribute(key) || "", y = b.getAttribute(key) || "";
        return x < y ? 1 : x > y ? -1 : items.indexOf(a) - items.indexOf(b);
      }) : items;
      sorted.forEach(function (item) { list.appendChild(item); });
    }

    function read() {
      var query = new URLSearchParams(location.search);
      var offered = Array.prototype.map.call(sort.options, function (option) { return option.value; });
      sort.value = offered.indexOf(query.get("sort")) >= 0 ? query.get("sort") : "";
      controls.forEach(function (e) {
        var given = query.getAll(e.name);
        if (e.type === "checkbox") {
          e.checked = given.indexOf(e.value) >= 0;
        } else {  // the first value given that the list offers, else "any"
          var offered = Array.prototype.map.call(e.options, function (option) { return option.value; });
          e.value = given.filter(function (value) { return offered.indexOf(value) >= 0; })[0] || "";
        }
      });
    }

    form.addEventListener("change", update);
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    form.querySelector("[data-clear]").addEventListener("click", function () {
      controls.forEach(function (e) { if (e.type === "checkbox") e.checked = false; else e.value = ""; });
      sort.value = "";
      update();
    });
    read();
    form.hidden = false;
    count.hidden = false;
    update();
  }

  // Material's instant navigation swaps pages without loading them: it announces each one.
  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(start);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
