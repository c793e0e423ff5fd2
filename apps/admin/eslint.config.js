import { base } from '@allot/eslint-config';

// The admin app runs in browsers: it may use @allot/domain (the zod contracts its forms share
// with the server) and only the *type* AppRouter from @allot/api, never the server's code.
export default [
  ...base,
  {
    files: ['src/**/*.ts', 'src/**/*.tsx'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: '@allot/api',
              allowTypeImports: true,
              message: 'Types only: the admin app must not bundle the server.',
            },
          ],
          patterns: [
            {
              group: ['@allot/*', '!@allot/domain', '!@allot/api'],
              message: 'The admin app may import @allot/domain and the AppRouter type only.',
            },
            {
              group: ['@allot/api/*'],
              message: 'The admin app may import @allot/domain and the AppRouter type only.',
            },
          ],
        },
      ],
    },
  },
];
