/* MailTLS embed helper: sizes MailTLS iframes to their content, so the host page never shows a
   scrollbar inside a scrollbar. Include it once, after the iframes:
     <iframe src="https://check.example.de/?embed=https%3A%2F%2Fwww.example.de" title="MailTLS"
             style="width:100%;border:0"></iframe>
     <script src="https://check.example.de/embed.js" async></script>
   The page in the frame posts its height only to the origin named in `embed` (and the service
   lets only configured origins frame it); this script accepts heights only from MailTLS's own
   origin and only from its own iframes. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.src) { return; }
  var origin = new URL(script.src).origin;
  function frames() {
    return Array.prototype.filter.call(document.getElementsByTagName("iframe"), function (frame) {
      try { return new URL(frame.src, document.baseURI).origin === origin; } catch (e) { return false; }
    });
  }
  window.addEventListener("message", function (event) {
    if (event.origin !== origin) { return; }
    var data = event.data;
    if (!data || data.type !== "mailtls:height" || typeof data.height !== "number") { return; }
    var height = Math.max(0, Math.min(Math.ceil(data.height), 100000));
    frames().forEach(function (frame) {
      if (frame.contentWindow === event.source) { frame.style.height = height + "px"; }
    });
  });
}());
