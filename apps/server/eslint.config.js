import { base } from '@allot/eslint-config';

export default [...base];
