// true(1): does nothing, successfully.
export default async function main() {
  return 0;
}
