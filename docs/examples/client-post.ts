import { subscribe } from '@ssekit/client';

// One question, one streamed answer: POST with a JSON body, events named `word`.
const answer = subscribe<{ word: string }>('/ask', {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ question: 'what is a stream?' }),
  parse: 'text',
});

let text = '';
try {
  // Ends when the server answers the reconnect after the last word with 204.
  for await (const event of answer) {
    if (event.type === 'word') text += `${event.data} `;
  }
  console.log(text.trim());
} catch (error) {
  // A refusal (401, 404 ...) or a wrong content type: the subscription ended with this error.
  console.error('the answer failed:', error);
}
