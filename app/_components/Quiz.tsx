"use client";
/*
 * Check-your-understanding questions, answered on the page: nothing is sent
 * anywhere. After "Check", every choice shows why it is right or wrong.
 */
import { useId, useState } from "react";
import { InlineCode } from "./InlineCode";

export interface QuizChoiceView {
  text: string;
  correct: boolean;
  why: string;
}
export interface QuizQuestionView {
  question: string;
  choices: QuizChoiceView[];
}

function Question({ q, n }: { q: QuizQuestionView; n: number }) {
  const id = useId();
  const [picked, setPicked] = useState<number | null>(null);
  const [checked, setChecked] = useState(false);
  const right = checked && picked !== null && q.choices[picked]?.correct === true;
  return (
    <form
      className="quiz-question"
      data-checked={checked ? (right ? "right" : "wrong") : undefined}
      onSubmit={(e) => {
        e.preventDefault();
        if (picked !== null) setChecked(true);
      }}
    >
      <fieldset>
        <legend>
          <span className="quiz-n">{n}.</span> <InlineCode text={q.question} />
        </legend>
        <ul className="quiz-choices">
          {q.choices.map((c, i) => {
            const state = checked ? (c.correct ? "correct" : i === picked ? "incorrect" : "other") : undefined;
            return (
              <li key={i} data-state={state}>
                <label>
                  <input
                    type="radio"
                    name={id}
                    value={i}
                    checked={picked === i}
                    onChange={() => {
                      setPicked(i);
                      setChecked(false);
                    }}
                  />{" "}
                  <InlineCode text={c.text} />
                </label>
                {checked ? (
                  <p className="quiz-why">
                    <strong>{c.correct ? "Right: " : i === picked ? "Your answer, wrong: " : "Wrong: "}</strong>
                    <InlineCode text={c.why} />
                  </p>
                ) : null}
              </li>
            );
          })}
        </ul>
      </fieldset>
      <div className="quiz-actions">
        <button type="submit" disabled={picked === null}>
          Check answer
        </button>
        <p className="quiz-result" role="status" aria-live="polite">
          {checked ? (right ? "Correct." : "Not quite: read why below each choice, then try another.") : ""}
        </p>
      </div>
    </form>
  );
}

export function Quiz({ questions }: { questions: QuizQuestionView[] }) {
  return (
    <div className="quiz">
      {questions.map((q, i) => (
        <Question key={i} q={q} n={i + 1} />
      ))}
    </div>
  );
}
