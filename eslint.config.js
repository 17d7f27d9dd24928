// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import aegis from './tools/eslint-plugin-aegis.js';

/** Engine layers run on event time: no wall clock, no randomness, no raw timers (ARCHITECTURE.md, principle 3). */
const ENGINE_LAYERS = [
  'src/core/**/*.ts',
  'src/domain/**/*.ts',
  'src/data/**/*.ts',
  'src/brain/**/*.ts',
  'src/trade/**/*.ts',
];

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'data/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  ...tseslint.configs.stylisticTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['*.js', 'bin/*.js', 'tools/*.js'] } },
    },
    plugins: { aegis },
    rules: {
      'aegis/layers': 'error',
      'no-empty': ['error', { allowEmptyCatch: false }],
      'no-restricted-syntax': [
        'error',
        {
          selector:
            "CallExpression[callee.property.name='catch'] > ArrowFunctionExpression[body.type='BlockStatement'][body.body.length=0]",
          message:
            'Silent .catch(() => {}): handle the failure (log with context, count, publish) or let it propagate.',
        },
        {
          selector: 'CatchClause > BlockStatement[body.length=0]',
          message: 'Empty catch: handle the failure (log with context, count, publish) or rethrow.',
        },
      ],
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/only-throw-error': 'error',
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/prefer-literal-enum-member': 'off',
      // conflicts with no-non-null-assertion: hot loops use `as T` after a bounds check
      '@typescript-eslint/non-nullable-type-assertion-style': 'off',
      '@typescript-eslint/no-unnecessary-condition': ['error', { allowConstantLoopConditions: true }],
    },
  },
  {
    files: ENGINE_LAYERS,
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        {
          object: 'Date',
          property: 'now',
          message: 'Engine time comes from the injected Clock (event time).',
        },
        { object: 'Math', property: 'random', message: 'Randomness comes from an injected seeded Rng.' },
        { object: 'performance', property: 'now', message: 'Use the injected MonotonicClock.' },
        { object: 'process', property: 'hrtime', message: 'Use the injected MonotonicClock.' },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'setTimeout', message: 'Use the injected Scheduler.' },
        { name: 'setInterval', message: 'Use the injected Scheduler.' },
        { name: 'setImmediate', message: 'Use the injected Scheduler.' },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: 'new Date() reads the wall clock; engine time comes from the injected Clock.',
        },
        {
          selector:
            "CallExpression[callee.property.name='catch'] > ArrowFunctionExpression[body.type='BlockStatement'][body.body.length=0]",
          message:
            'Silent .catch(() => {}): handle the failure (log with context, count, publish) or let it propagate.',
        },
        {
          selector: 'CatchClause > BlockStatement[body.length=0]',
          message: 'Empty catch: handle the failure (log with context, count, publish) or rethrow.',
        },
      ],
    },
  },
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
