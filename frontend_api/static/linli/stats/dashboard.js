// Draws each dashboard chart from the rows printed beside it (the table shows the same rows).
(function () {
  "use strict";
  if (typeof window.Chart === "undefined") {
    return; // the tables still carry every number
  }
  var palette = ["#417690", "#79aec8", "#e0a43b", "#5b9e4d", "#c85a54", "#8d6cab"];
  document.querySelectorAll("canvas[id^='chart-']").forEach(function (canvas) {
    var source = document.getElementById(canvas.id.replace(/^chart-/, ""));
    var rows = source ? JSON.parse(source.textContent) : [];
    var kind = canvas.dataset.kind || "bar";
    new window.Chart(canvas, {
      type: kind,
      data: {
        labels: rows.map(function (row) { return row[0]; }),
        datasets: [{
          data: rows.map(function (row) { return row[1]; }),
          backgroundColor: kind === "bar" ? palette[0] : palette
        }]
      },
      options: {
        animation: false,
        plugins: { legend: { display: kind !== "bar" } },
        scales: kind === "bar" ? { y: { beginAtZero: true } } : {}
      }
    });
  });
})();
