import { base } from '@allot/eslint-config';

// The pixel runs on other people's sites: it may only `import type` from @allot/domain (bundling
// zod would cost kilobytes) and nothing else from the workspace.
export default [
  ...base,
  {
    files: ['src/pixel.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['*'],
              allowTypeImports: true,
              message: 'The pixel has no runtime dependency: `import type` only.',
            },
          ],
        },
      ],
    },
  },
];
