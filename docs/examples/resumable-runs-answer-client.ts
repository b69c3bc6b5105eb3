import { subscribe } from '@ssekit/client';

const answer = subscribe<{ token: { text: string }; done: string }>('/ask', {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ prompt: 'why is the sky blue?' }),
});

let text = '';
for await (const event of answer) {
  if (event.type === 'token') text += event.data.text;
  // Leaving the loop closes the subscription: the client does not come back for more.
  if (event.type === 'done') break;
}
console.log(text, answer.state); // 'ended'
