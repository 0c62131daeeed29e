// The live calls page: poll the hub every second, swap in the list it renders, ring for new calls,
// and send "J'arrive" / "Terminé" without leaving the page. Without JavaScript the page still
// works (plain forms, and a refresh every 10 s).
(function () {
  "use strict";

  var POLL_MS = 1000;
  var box = document.getElementById("calls");
  if (!box) {
    return;
  }
  var api = box.getAttribute("data-api");
  var csrf = box.getAttribute("data-csrf");
  var refreshState = document.getElementById("refresh-state");
  var alertsControl = document.getElementById("alerts-control");
  var alertsButton = document.getElementById("enable-alerts");
  var alertsState = document.getElementById("alerts-state");
  var sound = new Audio("/console/static/alert.wav");
  var seen = null;          // ids of the calls already shown; null until the first answer
  var lastHtml = null;
  var baseTitle = document.title;

  function setRefreshState(text) {
    refreshState.textContent = text;
    refreshState.hidden = !text;
  }

  function showAlertsState() {
    alertsControl.hidden = false;
    if (!("Notification" in window)) {
      alertsState.textContent = "Son activé (ce navigateur n'affiche pas de notifications).";
    } else if (Notification.permission === "granted") {
      alertsState.textContent = "Alertes activées : son et notification.";
    } else if (Notification.permission === "denied") {
      alertsState.textContent = "Notifications refusées par le navigateur : seul le son est actif.";
    } else {
      alertsState.textContent = "";
    }
  }

  alertsButton.addEventListener("click", function () {
    // The click also lets the browser play sounds later (autoplay rules).
    sound.play().catch(function () {});
    if ("Notification" in window && Notification.permission === "default") {
      Notification.requestPermission().then(showAlertsState);
    }
    showAlertsState();
  });
  showAlertsState();

  function ring(call) {
    sound.currentTime = 0;
    sound.play().catch(function () {});
    if ("Notification" in window && Notification.permission === "granted") {
      var where = call.kiosk_id + (call.agency ? " · " + call.agency : "");
      var note = new Notification("Un locataire appelle un agent", { body: where + "\n" + (call.reason || ""), tag: call.id });
      note.onclick = function () { window.focus(); note.close(); };
    }
  }

  function show(data) {
    var waiting = 0;
    var current = new Set();
    data.calls.forEach(function (call) {
      current.add(call.id);
      if (call.status === "waiting" && !call.stale) {
        waiting += 1;
        if (seen !== null && !seen.has(call.id)) {
          ring(call);
        }
      }
    });
    seen = current;
    document.title = waiting ? "(" + waiting + ") " + baseTitle : baseTitle;
    if (data.html === lastHtml) {
      return;
    }
    // Keep the keyboard focus on the same button across the swap.
    var focused = document.activeElement;
    var focusKey = null;
    if (focused && box.contains(focused) && focused.getAttribute("data-action")) {
      var item = focused.closest("[data-call-id]");
      focusKey = item ? [item.getAttribute("data-call-id"), focused.getAttribute("data-action")] : null;
    }
    box.innerHTML = data.html;   // rendered and escaped by the hub
    lastHtml = data.html;
    if (focusKey) {
      var again = box.querySelector('[data-call-id="' + focusKey[0] + '"] [data-action="' + focusKey[1] + '"]');
      if (again) {
        again.focus();
      }
    }
  }

  function poll() {
    fetch(api, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (response.status === 401) {
          window.location.reload();   // the session ended: the hub sends us to the login page
          return null;
        }
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        if (data) {
          show(data);
          setRefreshState("");
        }
      })
      .catch(function () {
        setRefreshState("La console ne joint plus le serveur : la liste n'est plus à jour. Nouvel essai en cours…");
      })
      .then(function () {
        window.setTimeout(poll, POLL_MS);
      });
  }

  box.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute("data-call-action")) {
      return;
    }
    event.preventDefault();
    var buttons = form.querySelectorAll("button");
    buttons.forEach(function (button) { button.disabled = true; });
    fetch(form.action, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRF-Token": csrf },
      body: new FormData(form)
    })
      .then(function (response) {
        if (response.status === 401 || response.status === 403) {
          window.location.reload();
          return;
        }
        lastHtml = null;   // show the new state at once
      })
      .catch(function () {
        setRefreshState("L'action n'a pas pu être envoyée : vérifiez la connexion et recommencez.");
      })
      .then(function () {
        buttons.forEach(function (button) { button.disabled = false; });
      });
  });

  poll();
})();
