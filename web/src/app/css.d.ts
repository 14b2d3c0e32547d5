// Lets TypeScript accept `import './styles.css'` (esbuild bundles it into main.css).
declare module '*.css';
