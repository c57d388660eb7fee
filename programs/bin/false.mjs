// false(1): does nothing, unsuccessfully.
export default async function main() {
  return 1;
}
