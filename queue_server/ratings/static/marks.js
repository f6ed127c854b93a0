// The rating form the screen at a window and the ticket's page share: five criteria, 1–5.
"use strict";
const MARKS = {
  build(form, criteria, onSubmit) {
    form.replaceChildren();
    for (const c of criteria) {
      const set = document.createElement("fieldset");
      set.dataset.criterion = c.key;
      const legend = document.createElement("legend");
      legend.textContent = c.name_ru;
      set.append(legend);
      for (let mark = 1; mark <= 5; mark++) {
        const label = document.createElement("label");
        const input = document.createElement("input");
        input.type = "radio"; input.name = c.key; input.value = String(mark);
        input.setAttribute("aria-label", `${c.name_ru}: ${mark}`);
        label.append(input, document.createTextNode(String(mark)));
        set.append(label);
      }
      form.append(set);
    }
    const send = document.createElement("button");
    send.type = "submit"; send.id = "send"; send.textContent = "Отправить оценку";
    form.append(send);
    form.onsubmit = (event) => {
      event.preventDefault();
      const marks = {};
      for (const c of criteria) {
        const chosen = form.querySelector(`input[name="${c.key}"]:checked`);
        if (chosen) marks[c.key] = Number(chosen.value);
      }
      onSubmit(marks);
    };
  },
  async errorText(response) {
    try { return (await response.json()).error.message; } catch (e) { return "Не удалось отправить оценку, попробуйте ещё раз."; }
  },
};
