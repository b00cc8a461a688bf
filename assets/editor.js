// The chapter editor: CodeMirror 6 over the page's <textarea data-editor>, a toolbar that
// inserts Pandoc Markdown, a live preview rendered by the server, and a draft kept in
// localStorage on every change, so nothing typed is lost to a crash, a lost connection or an
// expired session. Built by `make assets` into alliance/static/vendor/editor.bundle.js.
import { Compartment, EditorState } from "@codemirror/state";
import { EditorView, drawSelection, highlightActiveLine, keymap, lineNumbers } from "@codemirror/view";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { defaultHighlightStyle, syntaxHighlighting } from "@codemirror/language";
import { markdownLanguage } from "@codemirror/lang-markdown";
import { StyleModule } from "style-mod";

// CodeMirror styles itself through style-mod, which writes a <style> element into a document:
// the pages' Content-Security-Policy (style-src 'self') blocks that. A constructed style sheet
// adopted by the document is not inline markup, so mount the same rules, in the same order,
// there instead.
const adoptedSheet = new CSSStyleSheet();
let mountedModules = [];
StyleModule.mount = (root, modules) => {
  const list = Array.isArray(modules) ? modules : [modules];
  const next = [...mountedModules.filter((m) => !list.includes(m)), ...list];
  if (next.length === mountedModules.length && next.every((m, i) => m === mountedModules[i])) return;
  mountedModules = next;
  adoptedSheet.replaceSync(mountedModules.map((m) => m.getRules()).join("\n"));
  const doc = root.ownerDocument || root;
  if (!doc.adoptedStyleSheets.includes(adoptedSheet)) {
    doc.adoptedStyleSheets = [...doc.adoptedStyleSheets, adoptedSheet];
  }
};

const DRAFT_PREFIX = "alliance-draft:";
const PREVIEW_DELAY = 400; // ms after the last keystroke

function readDraft(key) {
  try {
    const raw = window.localStorage.getItem(key);
    return raw ? JSON.parse(raw) : null;
  } catch (e) {
    return null;
  }
}

function writeDraft(key, draft) {
  try {
    window.localStorage.setItem(key, JSON.stringify(draft));
    return true;
  } catch (e) {
    return false; // storage off or full: the page says so once
  }
}

function removeDraft(key) {
  try {
    window.localStorage.removeItem(key);
  } catch (e) {
    /* nothing kept, nothing to remove */
  }
}

// A save that landed names its draft (by id) on the next editor page: forget that draft.
function forgetSavedDraft(id) {
  if (!id) return;
  try {
    for (let i = window.localStorage.length - 1; i >= 0; i--) {
      const key = window.localStorage.key(i);
      if (key && key.startsWith(DRAFT_PREFIX)) {
        const draft = readDraft(key);
        if (draft && draft.id === id) removeDraft(key);
      }
    }
  } catch (e) {
    /* storage off */
  }
}

function newId() {
  if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
  return String(Date.now()) + Math.random().toString(16).slice(2);
}

// Toolbar actions: each returns a CodeMirror transaction spec for the current selection.
const INSERTS = {
  heading: (state, range, text) => linePrefix(state, range, "## ", text),
  bullets: (state, range, text) => linePrefix(state, range, "- ", text),
  numbers: (state, range, text) => linePrefix(state, range, "1. ", text),
  table(state, range, text) {
    const [column, cell, caption] = text.split("|");
    const block = `| ${column}1 | ${column}2 |\n|------|------|\n| ${cell} | ${cell} |\n\n: ${caption}\n`;
    return block_(state, range, block);
  },
  footnote(state, range, text) {
    const used = [...state.doc.toString().matchAll(/\[\^(\d+)\]/g)].map((m) => Number(m[1]));
    const n = used.length ? Math.max(...used) + 1 : 1;
    const end = state.doc.length;
    const note = `${state.doc.sliceString(end - 1) === "\n" ? "" : "\n"}\n[^${n}]: ${text}\n`;
    return {
      changes: [{ from: range.to, insert: `[^${n}]` }, { from: end, insert: note }],
      selection: { anchor: range.to + `[^${n}]`.length },
    };
  },
  figure(state, range, text) {
    const [caption, path] = text.split("|");
    return block_(state, range, `![${caption}](${path})\n`);
  },
  link(state, range, text) {
    const label = state.sliceDoc(range.from, range.to) || text;
    const insert = `[${label}](https://)`;
    const urlAt = range.from + label.length + 3;
    return {
      changes: { from: range.from, to: range.to, insert },
      selection: { anchor: urlAt, head: urlAt + "https://".length },
    };
  },
};

function linePrefix(state, range, prefix, text) {
  const line = state.doc.lineAt(range.from);
  if (line.length === 0) {
    return {
      changes: { from: line.from, insert: prefix + text },
      selection: { anchor: line.from + prefix.length, head: line.from + prefix.length + text.length },
    };
  }
  return { changes: { from: line.from, insert: prefix }, selection: { anchor: range.head + prefix.length } };
}

// A block (table, figure) goes into its own paragraph after the current line.
function block_(state, range, block) {
  const line = state.doc.lineAt(range.to);
  const before = line.length === 0 ? "" : "\n\n";
  const insert = `${before}${block}\n`;
  return { changes: { from: line.to, insert }, selection: { anchor: line.to + before.length } };
}

function mount(textarea) {
  const form = textarea.form;
  const data = textarea.dataset;
  const key = data.draftKey;
  const serverText = textarea.value;
  const base = form.elements.base_revision;
  const status = document.querySelector("[data-preview-status]");
  const preview = document.querySelector("[data-preview]");
  let draftId = newId();
  let warnedStorage = false;
  const editable = new Compartment();

  forgetSavedDraft(data.savedDraft);

  function keepDraft(text) {
    if (!key) return;
    if (text === serverText) {
      removeDraft(key); // back to the saved text: nothing to keep
      return;
    }
    const ok = writeDraft(key, { id: draftId, text, base: base.value, saved: new Date().toISOString() });
    if (!ok && !warnedStorage && status) {
      warnedStorage = true;
      status.textContent = data.msgNostorage;
    }
  }

  let timer = null;
  let sequence = 0;
  function schedulePreview(text) {
    if (!data.previewUrl || !preview) return;
    window.clearTimeout(timer);
    timer = window.setTimeout(() => refreshPreview(text), PREVIEW_DELAY);
  }

  async function refreshPreview(text) {
    const mine = ++sequence;
    let answer;
    try {
      answer = await window.fetch(data.previewUrl, {
        method: "POST",
        credentials: "same-origin",
        redirect: "manual",
        headers: { "X-CSRFToken": form.elements.csrf_token.value },
        body: new URLSearchParams({ content: text }),
      });
    } catch (e) {
      answer = null;
    }
    if (mine !== sequence) return; // a newer preview is on its way
    if (answer && answer.ok) {
      preview.innerHTML = await answer.text(); // sanitized by the server (nh3)
      status.textContent = "";
    } else if (answer && (answer.status === 401 || answer.status === 400 || answer.type === "opaqueredirect")) {
      status.textContent = data.msgExpired;
    } else {
      status.textContent = data.msgFailed;
    }
  }

  const view = new EditorView({
    doc: serverText,
    extensions: [
      lineNumbers(),
      history(),
      drawSelection(),
      highlightActiveLine(),
      keymap.of([
        { key: "Mod-s", preventDefault: true, run: () => { form.requestSubmit(); return true; } },
        ...defaultKeymap,
        ...historyKeymap,
        indentWithTab,
      ]),
      markdownLanguage.extension, // GFM tables and the like; not markdown(): it brings HTML, CSS and JS modes
      syntaxHighlighting(defaultHighlightStyle),
      EditorView.lineWrapping,
      editable.of(EditorState.readOnly.of(textarea.readOnly)),
      EditorView.contentAttributes.of({ lang: "zh-CN", "aria-label": textarea.labels[0]?.textContent || "" }),
      EditorView.updateListener.of((update) => {
        if (!update.docChanged) return;
        const text = update.state.doc.toString();
        textarea.value = text;
        keepDraft(text);
        schedulePreview(text);
      }),
    ],
  });
  textarea.hidden = true;
  textarea.after(view.dom);
  form.elements.draft_id.value = draftId;

  for (const button of form.querySelectorAll("[data-insert]")) {
    button.addEventListener("click", () => {
      const state = view.state;
      const spec = INSERTS[button.dataset.insert](state, state.selection.main, button.dataset.text);
      view.dispatch({ ...spec, scrollIntoView: true, userEvent: "input" });
      view.focus();
    });
  }

  const banner = document.querySelector("[data-draft-banner]");
  const draft = key ? readDraft(key) : null;
  if (draft && typeof draft.text === "string" && draft.text === serverText) {
    removeDraft(key);
  } else if (draft && typeof draft.text === "string" && data.offerDraft !== "no" && banner) {
    // Until the person chooses, typing would overwrite the kept draft: hold the editor still.
    view.dispatch({ effects: editable.reconfigure(EditorState.readOnly.of(true)) });
    const decided = () => {
      banner.hidden = true;
      view.dispatch({ effects: editable.reconfigure(EditorState.readOnly.of(false)) });
      view.focus();
    };
    banner.hidden = false;
    banner.querySelector("[data-draft-restore]").addEventListener("click", () => {
      draftId = draft.id || draftId;
      form.elements.draft_id.value = draftId;
      // Save from the revision the draft was written on, so the server merges with what
      // others saved since instead of overwriting it.
      if (draft.base) base.value = draft.base;
      decided();
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: draft.text } });
    });
    banner.querySelector("[data-draft-discard]").addEventListener("click", () => {
      removeDraft(key);
      decided();
    });
  }
  return view;
}

for (const textarea of document.querySelectorAll("textarea[data-editor]")) {
  mount(textarea);
}
