import { runPost } from './action/post';

void runPost();
