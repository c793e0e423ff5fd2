import { base } from '@allot/eslint-config';

// The client ships to partners: it may only `import type` from @allot/api.
export default [
  ...base,
  {
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: '@allot/api',
              allowTypeImports: true,
              message: 'Types only: the client must not bundle the server.',
            },
          ],
        },
      ],
    },
  },
];
