/** The console's entry: read the settings its server gives, then render the shell. */
import { render } from 'preact';
import { loadSettings } from './api.ts';
import { App } from './app.tsx';
import './styles.css';

const root = document.getElementById('app') as HTMLElement;

loadSettings().then(
  (settings) => render(<App settings={settings} />, root),
  (error: unknown) => {
    root.innerHTML = '';
    const message = document.createElement('p');
    message.setAttribute('role', 'alert');
    message.textContent = `The console could not start: ${(error as Error).message}`;
    root.append(message);
  },
);
