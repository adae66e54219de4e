/** Copy text to the clipboard, with a fallback for pages without clipboard permission. */

import { useState } from "react";

async function copyText(text: string): Promise<void> {
  if (navigator.clipboard && window.isSecureContext) {
    try {
      await navigator.clipboard.writeText(text);
      return;
    } catch {
      // Permission refused (headless browsers, iframes): use the selection fallback below.
    }
  }
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.style.position = "fixed";
  area.style.opacity = "0";
  document.body.appendChild(area);
  area.select();
  document.execCommand("copy");
  area.remove();
}

export function CopyButton({
  text,
  label = "Copy",
  testId,
}: {
  text: string | (() => string);
  label?: string;
  testId?: string;
}) {
  const [done, setDone] = useState(false);
  const onClick = async () => {
    await copyText(typeof text === "function" ? text() : text);
    setDone(true);
    window.setTimeout(() => setDone(false), 1500);
  };
  return (
    <button
      type="button"
      className="small"
      onClick={() => void onClick()}
      data-testid={testId ?? "copy"}
      aria-label={label}
    >
      {done ? "Copied" : label}
    </button>
  );
}
