import { defined } from '@allot/domain';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app.tsx';
import './styles.css';

createRoot(defined(document.getElementById('root'), 'the #root element')).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
