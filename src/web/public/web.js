// Progressive enhancement only: every page works without this file.
// A file chosen next to a SHA-256 field is hashed here, in the browser; the file itself is never sent.
document.addEventListener('change', async (event) => {
  const input = event.target;
  if (!(input instanceof HTMLInputElement) || !input.dataset.sha256Into || !input.files || input.files.length === 0) return;
  const target = document.getElementById(input.dataset.sha256Into);
  if (!target || !window.crypto || !window.crypto.subtle) return;
  const digest = await window.crypto.subtle.digest('SHA-256', await input.files[0].arrayBuffer());
  target.value = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
  const nameField = input.form && input.form.elements.namedItem('data.document.name');
  if (nameField instanceof HTMLInputElement && nameField.value === '') nameField.value = input.files[0].name;
});
