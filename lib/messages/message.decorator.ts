import { SetMetadata } from '@nestjs/common';
import { MESSAGE_NAME_METADATA } from '../consistent-messaging.constants';

/**
 * Names a message class's type on the wire. Without it the class name is used; give a name when two
 * services define the class separately or when the class may be renamed.
 */
export const Message = (typeName: string): ClassDecorator =>
  SetMetadata(MESSAGE_NAME_METADATA, typeName);
